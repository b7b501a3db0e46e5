"""Refund and chargeback reason codes: the per-store list, `Transaction.reason`, and the seven
defaults for every store that exists (new stores get them from `PaymentsConfig.ready`)."""

import django.db.models.deletion
from django.db import migrations, models

# A copy of payments.reason_codes.DEFAULT_REASONS as it was when this migration was written:
# migrations never import the app's current code.
DEFAULTS = (
    ("returned", "Returned"),
    ("damaged", "Damaged"),
    ("not_as_described", "Not as described"),
    ("goodwill", "Goodwill"),
    ("duplicate", "Duplicate"),
    ("fraud", "Fraud"),
    ("other", "Other"),
)


def create_defaults(apps, schema_editor):
    Store = apps.get_model("backoffice", "Store")
    ReasonCode = apps.get_model("payments", "ReasonCode")
    db = schema_editor.connection.alias
    for store in Store.objects.using(db).all():
        have = set(ReasonCode.objects.using(db).filter(store=store).values_list("code", flat=True))
        ReasonCode.objects.using(db).bulk_create(
            ReasonCode(
                store=store,
                code=code,
                label=label,
                applies_to="both",
                position=(index + 1) * 10,
            )
            for index, (code, label) in enumerate(DEFAULTS)
            if code not in have
        )


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0003_store_locale_from_country"),
        ("payments", "0006_payment_status_partially_charged_back"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReasonCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "code",
                    models.SlugField(
                        help_text="Stable identifier used in exports; cannot be changed.",
                        max_length=40,
                    ),
                ),
                (
                    "label",
                    models.CharField(help_text="What staff choose and read.", max_length=80),
                ),
                (
                    "applies_to",
                    models.CharField(
                        choices=[
                            ("refunds", "Refunds"),
                            ("chargebacks", "Chargebacks"),
                            ("both", "Refunds and chargebacks"),
                        ],
                        default="both",
                        max_length=12,
                    ),
                ),
                (
                    "is_active",
                    models.BooleanField(
                        default=True,
                        help_text="Inactive codes are no longer offered; rows keep them.",
                        verbose_name="active",
                    ),
                ),
                (
                    "position",
                    models.PositiveSmallIntegerField(default=0, help_text="Order in the list."),
                ),
                (
                    "store",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reason_codes",
                        to="backoffice.store",
                    ),
                ),
            ],
            options={
                "ordering": ["store_id", "position", "id"],
            },
        ),
        migrations.AddConstraint(
            model_name="reasoncode",
            constraint=models.UniqueConstraint(
                fields=("store", "code"), name="reason_code_unique_per_store"
            ),
        ),
        migrations.AddField(
            model_name="transaction",
            name="reason",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="transactions",
                to="payments.reasoncode",
            ),
        ),
        migrations.RunPython(create_defaults, migrations.RunPython.noop),
    ]
