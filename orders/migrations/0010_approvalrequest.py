# ApprovalRequest moved here from the payments app: the table was renamed by
# payments.0005; this migration only takes over the model's state (and its content type, so its
# permissions and admin log entries follow it).

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import backoffice.models


def _move_content_type(apps, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=target, model="approvalrequest").exists():
        ContentType.objects.filter(app_label=source, model="approvalrequest").update(
            app_label=target
        )


def content_type_to_orders(apps, schema_editor) -> None:
    _move_content_type(apps, "payments", "orders")


def content_type_to_payments(apps, schema_editor) -> None:
    _move_content_type(apps, "orders", "payments")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("backoffice", "0001_initial"),
        ("orders", "0009_order_currency_total_idx"),
        ("payments", "0005_approvalrequest_moved_to_orders"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApprovalRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[("refund", "Refund"), ("mark_as_paid", "Mark as paid")],
                                max_length=20,
                            ),
                        ),
                        ("action", models.CharField(max_length=40)),
                        ("amount", models.BigIntegerField()),
                        (
                            "currency",
                            models.CharField(
                                max_length=3, validators=[backoffice.models.validate_currency]
                            ),
                        ),
                        ("payload", models.JSONField(blank=True, default=dict)),
                        ("target", models.CharField(max_length=80)),
                        ("idempotency_key", models.CharField(max_length=120, unique=True)),
                        (
                            "note",
                            models.TextField(blank=True, help_text="What the requester wrote."),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("awaiting", "Awaiting approval"),
                                    ("approved", "Approved"),
                                    ("rejected", "Rejected"),
                                    ("expired", "Expired"),
                                    ("void", "Void"),
                                ],
                                db_index=True,
                                default="awaiting",
                                max_length=10,
                            ),
                        ),
                        ("requested_by_label", models.CharField(max_length=150)),
                        ("requested_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("expires_at", models.DateTimeField()),
                        ("decided_by_label", models.CharField(blank=True, max_length=150)),
                        ("decided_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "reason",
                            models.TextField(
                                blank=True, help_text="Why it was rejected, voided or expired."
                            ),
                        ),
                        ("outcome", models.TextField(blank=True, help_text="What running it did.")),
                        (
                            "credit_memo",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approval_requests",
                                to="orders.creditmemo",
                            ),
                        ),
                        (
                            "decided_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "order",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approval_requests",
                                to="orders.order",
                            ),
                        ),
                        (
                            "requested_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "store",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approval_requests",
                                to="backoffice.store",
                            ),
                        ),
                        (
                            "transaction",
                            models.ForeignKey(
                                blank=True,
                                help_text="The transaction refunded (requests from Transaction Details).",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="approval_requests",
                                to="payments.transaction",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["-requested_at", "-id"],
                        "indexes": [
                            models.Index(
                                fields=["store", "state", "-requested_at"],
                                name="approval_store_state_idx",
                            )
                        ],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("amount__gt", 0)), name="approval_amount_gt_0"
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("state", "awaiting")),
                                fields=("target",),
                                name="approval_one_awaiting_per_target",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_type_to_orders, content_type_to_payments),
    ]
