# Replaces `export_transactions` with `export_data` ("Can export orders and transactions"):
# the same permission row is renamed, so every grant (group, user, per store) carries over.

from django.db import migrations

OLD, NEW = "export_transactions", "export_data"
NAMES = {OLD: "Export transactions", NEW: "Can export orders and transactions"}
# Where a grant of a permission lives: (app label, model, the columns that name the grantee).
_GRANTS = (
    ("backoffice", "StoreUserObjectPermission", ("user_id", "content_object_id")),
    ("backoffice", "StoreGroupObjectPermission", ("group_id", "content_object_id")),
)


def _through_tables(apps):
    group, user = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
    return (
        (group.permissions.through, ("group_id",)),
        (user.user_permissions.through, ("user_id",)),
    )


def _merge_grants(apps, old, new):
    """Both rows exist (created from the new model before this ran): move old's grants."""
    models = [(apps.get_model(app, name), cols) for app, name, cols in _GRANTS]
    for model, grantee in [*_through_tables(apps), *models]:
        held = set(model.objects.filter(permission=new).values_list(*grantee))
        for row in model.objects.filter(permission=old):
            if tuple(getattr(row, col) for col in grantee) in held:
                row.delete()
            else:
                row.permission = new
                row.save(update_fields=["permission"])
    old.delete()


def _rename(apps, old_codename, new_codename):
    content_types = apps.get_model("contenttypes", "ContentType").objects.filter(
        app_label="backoffice", model="store"
    )
    permissions = apps.get_model("auth", "Permission").objects.filter(
        content_type__in=content_types
    )
    old = permissions.filter(codename=old_codename).first()
    if old is None:  # a fresh database: post_migrate creates the rows after migrating
        return
    new = permissions.filter(codename=new_codename).first()
    if new is not None:
        _merge_grants(apps, old, new)
        return
    old.codename, old.name = new_codename, NAMES[new_codename]
    old.save(update_fields=["codename", "name"])


def forwards(apps, schema_editor):
    _rename(apps, OLD, NEW)


def backwards(apps, schema_editor):
    _rename(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0008_store_print_fields_profile_time_zone"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.AlterModelOptions(
            name="store",
            options={
                "ordering": ["code"],
                "permissions": [
                    ("view_orders", "View orders, invoices, credit memos and transactions"),
                    ("comment_order", "Comment on orders"),
                    ("notify_customer", "Notify the customer"),
                    ("hold_order", "Hold and unhold orders"),
                    ("cancel_order", "Cancel orders"),
                    ("edit_order", "Edit orders"),
                    ("invoice_order", "Invoice without capture"),
                    ("capture_online", "Capture online"),
                    ("capture_offline", "Capture offline"),
                    ("void_payment", "Void authorizations"),
                    ("refund_online", "Refund online"),
                    ("refund_offline", "Refund offline"),
                    ("mark_as_paid", "Mark as paid"),
                    ("record_chargeback", "Record chargebacks and chargeback reversals"),
                    ("rebill_payment", "Rebill"),
                    ("approve_refund", "Approve refunds"),
                    ("change_store_settings", "Change store settings"),
                    ("export_data", "Can export orders and transactions"),
                    ("manage_staff", "Manage staff sign-in"),
                    ("view_audit", "Read the audit stream"),
                ],
            },
        ),
    ]
