from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0010_transaction_created_at_set_once"),
    ]

    operations = [
        migrations.AddField(
            model_name="gatewayaccount",
            name="live_mode",
            field=models.BooleanField(
                default=False,
                help_text="Live: real money at the PSP's live host; off: its test host.",
            ),
        ),
    ]
