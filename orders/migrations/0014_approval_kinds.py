"""Four-eyes on every path that moves money (issue 15): Capture Offline, Rebill and Chargeback
Reversal requests, a request its requester withdrew, and why each request needed approval."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0013_append_only_comments"),
        ("payments", "0008_append_only_ledger"),
    ]

    operations = [
        migrations.AlterField(
            model_name="approvalrequest",
            name="kind",
            field=models.CharField(
                choices=[
                    ("refund", "Refund"),
                    ("mark_as_paid", "Mark as paid"),
                    ("capture_offline", "Capture Offline"),
                    ("rebill", "Rebill"),
                    ("chargeback_reversal", "Chargeback Reversal"),
                ],
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="approvalrequest",
            name="state",
            field=models.CharField(
                choices=[
                    ("awaiting", "Awaiting approval"),
                    ("approved", "Approved"),
                    ("rejected", "Rejected"),
                    ("expired", "Expired"),
                    ("void", "Void"),
                    ("withdrawn", "Withdrawn"),
                ],
                db_index=True,
                default="awaiting",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="approvalrequest",
            name="transaction",
            field=models.ForeignKey(
                blank=True,
                help_text="The transaction acted on (requests from Transaction Details).",
                null=True,
                on_delete=models.deletion.PROTECT,
                related_name="approval_requests",
                to="payments.transaction",
            ),
        ),
        migrations.AddField(
            model_name="approvalrequest",
            name="why",
            field=models.CharField(
                blank=True,
                help_text="Why it needed approval: the threshold, and what the order already had.",
                max_length=300,
            ),
        ),
    ]
