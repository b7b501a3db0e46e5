from django.db import migrations

from orders.migrations._postgresql_indexes import postgresql_indexes

# A search term shorter than a trigram matches names and e-mails that start with it
# (`orders.filters.order_search`, `customer_q`: Django's `istartswith`, i.e.
# `UPPER(column::text) LIKE UPPER('zz%')`). On PostgreSQL these pattern-ops indexes on exactly
# that expression answer it whatever the database's collation; the trigram indexes of 0007
# can't (a two-letter term has no trigram), and without them such a search read every order.
# SQLite has no equivalent (its LIKE is case-insensitive and scans).
PREFIX_INDEXES = {
    "order_email_upper_prefix": '(UPPER("customer_email"::text) text_pattern_ops)',
    "order_name_upper_prefix": '(UPPER("customer_name"::text) text_pattern_ops)',
}


class Migration(migrations.Migration):
    dependencies = [("orders", "0017_payment_links")]

    operations = [postgresql_indexes("orders_order", PREFIX_INDEXES)]
