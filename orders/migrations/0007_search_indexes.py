from django.db import migrations, models

from orders.migrations._postgresql_indexes import postgresql_indexes

# The order list's search matches customer email/name substrings (`orders.filters.order_search`).
# On PostgreSQL, trigram GIN indexes on exactly the expression Django generates for `icontains`
# let the planner answer those arms from an index and combine them with a bitmap OR, instead of
# scanning every order. SQLite has no equivalent; there the migration only adds the sort index.
TRIGRAM_INDEXES = {
    "order_email_trgm": '(UPPER("customer_email"::text) gin_trgm_ops)',
    "order_name_trgm": '(UPPER("customer_name"::text) gin_trgm_ops)',
}


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
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
        postgresql_indexes("orders_order", TRIGRAM_INDEXES, method="gin", extension="pg_trgm"),
    ]
