from django.db import migrations, models

# The order list's search matches customer email/name substrings (`orders.filters.order_search`).
# On PostgreSQL, trigram GIN indexes on exactly the expression Django generates for `icontains`
# let the planner answer those arms from an index and combine them with a bitmap OR, instead of
# scanning every order. SQLite has no equivalent; there the migration only adds the sort index.
TRIGRAM_INDEXES = {
    "order_email_trgm": '(UPPER("customer_email"::text) gin_trgm_ops)',
    "order_name_trgm": '(UPPER("customer_name"::text) gin_trgm_ops)',
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in TRIGRAM_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "orders_order" USING gin {expression}'
        )


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("orders", "0006_order_email_upper_idx"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["customer_name", "id"], name="order_customer_name_idx"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
