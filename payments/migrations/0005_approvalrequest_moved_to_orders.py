# ApprovalRequest moved to the orders app (four-eyes requests are an order workflow). The table
# is renamed here and the model's state is dropped; orders.0010 takes the state over, so no row
# is copied and the indexes and constraints (all explicitly named) stay as they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0004_merchant_reference_upper_idx"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="approvalrequest", table="orders_approvalrequest"),
            ],
            state_operations=[
                migrations.RemoveIndex(
                    model_name="approvalrequest",
                    name="approval_store_state_idx",
                ),
                migrations.RemoveConstraint(
                    model_name="approvalrequest",
                    name="approval_amount_gt_0",
                ),
                migrations.RemoveConstraint(
                    model_name="approvalrequest",
                    name="approval_one_awaiting_per_target",
                ),
                migrations.DeleteModel(name="ApprovalRequest"),
            ],
        ),
    ]
