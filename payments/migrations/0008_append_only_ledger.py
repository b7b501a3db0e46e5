"""An append-only ledger in the database (issue 15), PostgreSQL only.

Connected as the app's own role, a settled refund was multiplied by ten and a failed capture
flipped to success. These triggers refuse, whoever runs the SQL (short of the table owner
dropping them, hence the app's role owning nothing: docs/database-roles.md):
- UPDATE of a transaction's identity and money columns (and its reason code);
- a status move out of a final status (only pending / unknown rows get their outcome);
- DELETE of a transaction.
"""

from django.db import migrations

IMMUTABLE = (
    "uuid",
    "type",
    "amount",
    "currency",
    "payment_id",
    "order_id",
    "store_id",
    "parent_id",
    "is_online",
    "idempotency_key",
    "reason_id",
    "created_at",
)

CREATE = f"""
CREATE OR REPLACE FUNCTION payments_transaction_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'the ledger is append-only: transaction % may not be deleted', OLD.uuid
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF ({" OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in IMMUTABLE)}) THEN
        RAISE EXCEPTION 'the ledger is append-only: the identity and amount of transaction % '
            'may not change', OLD.uuid
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status AND OLD.status NOT IN ('pending', 'unknown') THEN
        RAISE EXCEPTION 'transaction % is %: a final status may not change', OLD.uuid, OLD.status
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER payments_transaction_append_only
    BEFORE UPDATE OR DELETE ON payments_transaction
    FOR EACH ROW EXECUTE FUNCTION payments_transaction_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS payments_transaction_append_only ON payments_transaction;
DROP FUNCTION IF EXISTS payments_transaction_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("payments", "0007_reason_codes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
