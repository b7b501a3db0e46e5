from django.db import migrations

from orders.migrations._postgresql_indexes import postgresql_gin_pending_list_limit

# A GIN index keeps new entries in an unsorted "pending list" until it passes
# `gin_pending_list_limit` (4 MB by default) or a vacuum merges it, and every search reads the
# whole list: at a million orders the name and e-mail arms of the order search spent 4-7 ms of
# a 7 ms query there, whatever the term (bench/README.md, "Eleventh sitting"). 64 kB (8 pages)
# keeps that read under ~0.1 ms; orders are inserted a little slower in bulk (~0.03 ms each,
# measured on 50,000 rows) and each merge is small. The lists in place are merged at once.
TRIGRAM_INDEXES = ("order_email_trgm", "order_name_trgm")


class Migration(migrations.Migration):
    dependencies = [("orders", "0020_store_total_sort_index")]

    operations = [postgresql_gin_pending_list_limit(TRIGRAM_INDEXES, kilobytes=64)]
