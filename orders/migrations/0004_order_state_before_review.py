from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_invoice_comment_idempotency_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="state_before_review",
            field=models.CharField(
                blank=True,
                choices=[
                    ("new", "New"),
                    ("pending_payment", "Pending payment"),
                    ("processing", "Processing"),
                    ("complete", "Complete"),
                    ("closed", "Closed"),
                    ("canceled", "Canceled"),
                    ("holded", "On hold"),
                    ("payment_review", "Payment review"),
                ],
                max_length=20,
            ),
        ),
    ]
