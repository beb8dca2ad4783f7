"""Let the app role read and write every table the owner role creates, and nothing more.

The app role owns nothing, so it cannot alter tables; row-level security (compliance) builds on
that. When migrations and app share one role (a single DATABASE_URL), there is nothing to grant.
TRUNCATE, granted here first, is revoked again by compliance/migrations/0005_database_roles.py.
"""

from django.conf import settings
from django.db import migrations


def grant(apps, schema_editor):
    app_role = settings.DATABASE_ROLES["web"]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner_role,) = cursor.fetchone()
        if not app_role or app_role == owner_role:
            return
        role = schema_editor.quote_name(app_role)
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            f"GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("sessions", "0001_initial"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop, elidable=False)]
