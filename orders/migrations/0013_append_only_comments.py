"""The order history is append-only in the database too (issue 15), PostgreSQL only.

A comment may not be deleted, nor its order, body, kind, source or author label changed.
(Its author becomes NULL when a user is deleted; `created_at` is set once after the insert
when an import backdates an entry, orders/history.py.)
"""

from django.db import migrations

IMMUTABLE = ("order_id", "body", "kind", "source", "author_label")

CREATE = f"""
CREATE OR REPLACE FUNCTION orders_ordercomment_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the order history is append-only: comment % may not be deleted', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF ({" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IMMUTABLE)}) THEN
        RAISE EXCEPTION 'the order history is append-only: comment % may not change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER orders_ordercomment_append_only
    BEFORE UPDATE OR DELETE ON orders_ordercomment
    FOR EACH ROW EXECUTE FUNCTION orders_ordercomment_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS orders_ordercomment_append_only ON orders_ordercomment;
DROP FUNCTION IF EXISTS orders_ordercomment_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("orders", "0012_comment_source_admin")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
