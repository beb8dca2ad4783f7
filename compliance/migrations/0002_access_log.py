"""The access log: append-only, hash-chained, written only through `compliance_access_log_append`.

The app role may SELECT the table and EXECUTE the append function (SECURITY DEFINER, owned by the
owner role); it cannot INSERT, UPDATE, DELETE or TRUNCATE it. A trigger refuses UPDATE, DELETE and
TRUNCATE for every role as a second guard. Each entry's hash covers the previous entry's hash and
the entry's fields (compliance/access_log.py `canonical` is the same text in Python).
"""

from django.conf import settings
from django.db import migrations

GENESIS = "0" * 64

CREATE = f"""
CREATE TABLE compliance_accesslogentry (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    user_id bigint NULL,
    username text NOT NULL,
    account_id bigint NULL,
    object_type text NOT NULL,
    object_id text NOT NULL,
    action text NOT NULL,
    path text NOT NULL,
    ip text NOT NULL,
    outcome text NOT NULL CHECK (outcome IN ('allowed', 'denied', 'error')),
    reason text NOT NULL,
    prev_hash text NOT NULL,
    hash text NOT NULL
);
CREATE INDEX compliance_accesslog_at ON compliance_accesslogentry (at);
CREATE INDEX compliance_accesslog_account_at ON compliance_accesslogentry (account_id, at);
CREATE INDEX compliance_accesslog_user_at ON compliance_accesslogentry (user_id, at);
CREATE INDEX compliance_accesslog_denied_at ON compliance_accesslogentry (at) WHERE outcome <> 'allowed';

CREATE FUNCTION compliance_access_log_append(entries jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    entry jsonb;
    previous text;
    new_id bigint;
    new_at timestamptz;
    new_user bigint;
    new_account bigint;
    new_hash text;
    appended bigint := 0;
BEGIN
    IF jsonb_typeof(entries) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'access log entries must be a JSON array';
    END IF;
    -- One writer at a time, so every entry chains onto the one before it.
    PERFORM pg_advisory_xact_lock(hashtext('compliance_accesslogentry'));
    SELECT hash INTO previous FROM compliance_accesslogentry ORDER BY id DESC LIMIT 1;
    previous := coalesce(previous, '{GENESIS}');
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        new_id := nextval(pg_get_serial_sequence('compliance_accesslogentry', 'id'));
        new_at := clock_timestamp();
        new_user := (entry->>'user_id')::bigint;
        new_account := (entry->>'account_id')::bigint;
        new_hash := encode(sha256(convert_to(concat_ws(E'\\x1f',
            previous,
            new_id::text,
            to_char(new_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            coalesce(new_user::text, ''),
            coalesce(entry->>'username', ''),
            coalesce(new_account::text, ''),
            coalesce(entry->>'object_type', ''),
            coalesce(entry->>'object_id', ''),
            coalesce(entry->>'action', ''),
            coalesce(entry->>'path', ''),
            coalesce(entry->>'ip', ''),
            coalesce(entry->>'outcome', ''),
            coalesce(entry->>'reason', '')
        ), 'UTF8')), 'hex');
        INSERT INTO compliance_accesslogentry
            (id, at, user_id, username, account_id, object_type, object_id, action, path, ip,
             outcome, reason, prev_hash, hash)
        VALUES
            (new_id, new_at, new_user, coalesce(entry->>'username', ''), new_account,
             coalesce(entry->>'object_type', ''), coalesce(entry->>'object_id', ''),
             coalesce(entry->>'action', ''), coalesce(entry->>'path', ''), coalesce(entry->>'ip', ''),
             coalesce(entry->>'outcome', ''), coalesce(entry->>'reason', ''), previous, new_hash);
        previous := new_hash;
        appended := appended + 1;
    END LOOP;
    RETURN appended;
END
$$;

CREATE FUNCTION compliance_access_log_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER compliance_accesslog_no_update_delete
    BEFORE UPDATE OR DELETE ON compliance_accesslogentry
    FOR EACH ROW EXECUTE FUNCTION compliance_access_log_immutable();
CREATE TRIGGER compliance_accesslog_no_truncate
    BEFORE TRUNCATE ON compliance_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_access_log_immutable();
REVOKE ALL ON FUNCTION compliance_access_log_append(jsonb) FROM PUBLIC;
"""  # noqa: S608 - constants only

DROP = """
DROP TABLE compliance_accesslogentry;
DROP FUNCTION compliance_access_log_append(jsonb);
DROP FUNCTION compliance_access_log_immutable();
"""


def privileges(apps, schema_editor):
    """The app role reads the log and appends through the function; nothing else."""
    app_role = settings.DATABASE_ROLES["web"]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner_role,) = cursor.fetchone()
        if not app_role or app_role == owner_role:
            return  # one role for everything: only the trigger guards the log
        role = schema_editor.quote_name(app_role)
        cursor.execute(f"REVOKE ALL ON compliance_accesslogentry FROM {role}")
        cursor.execute(f"GRANT SELECT ON compliance_accesslogentry TO {role}")
        cursor.execute(f"REVOKE ALL ON SEQUENCE compliance_accesslogentry_id_seq FROM {role}")
        cursor.execute(f"GRANT EXECUTE ON FUNCTION compliance_access_log_append(jsonb) TO {role}")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0001_walls"), ("kam", "0001_app_role_privileges")]
    operations = [
        migrations.RunSQL(CREATE, DROP),
        migrations.RunPython(privileges, migrations.RunPython.noop, elidable=False),
    ]
