"""The access log records who acted from the transaction's principal, never from its arguments.

`compliance_access_log_append` (compliance/migrations/0002_access_log.py) took each entry's user id
and username from the JSON the app sent, so the app role could append "alice viewed account 2".
It now takes them from the principal (compliance/principal.py), read through two helpers that
are the one place saying how the database knows who is asking:

- `compliance_principal_user_id()`: the person's user id when the principal is a user, else NULL;
- `compliance_principal_is_system()`: true for background work (tasks, commands, migrations).

A person's entries carry their own id and the username the users table holds for it; an
anonymous request's carry none. Only the system principal may name the user an entry is about
(it acts for people: a command, a task). The hashed fields and their order are unchanged.
"""

from django.db import migrations

PRINCIPAL_HELPERS = """
CREATE FUNCTION compliance_principal_user_id() RETURNS bigint
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN current_setting('kam.principal', true) = 'user'
                 AND current_setting('kam.user_id', true) ~ '^[0-9]{1,18}$'
                THEN current_setting('kam.user_id', true)::bigint END
$$;

CREATE FUNCTION compliance_principal_is_system() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('kam.principal', true) = 'system', false)
$$;
"""

DROP_HELPERS = """
DROP FUNCTION compliance_principal_user_id();
DROP FUNCTION compliance_principal_is_system();
"""

GENESIS = "0" * 64

# {who} sets new_user and new_username for one entry.
APPEND = """
CREATE OR REPLACE FUNCTION compliance_access_log_append(entries jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    entry jsonb;
    previous text;
    new_id bigint;
    new_at timestamptz;
    new_user bigint;
    new_username text;
    new_account bigint;
    new_hash text;
    appended bigint := 0;
    {declare}
BEGIN
    IF jsonb_typeof(entries) IS DISTINCT FROM 'array' THEN
        RAISE EXCEPTION 'access log entries must be a JSON array';
    END IF;
    {begin}
    -- One writer at a time, so every entry chains onto the one before it.
    PERFORM pg_advisory_xact_lock(hashtext('compliance_accesslogentry'));
    SELECT hash INTO previous FROM compliance_accesslogentry ORDER BY id DESC LIMIT 1;
    previous := coalesce(previous, '{genesis}');
    FOR entry IN SELECT value FROM jsonb_array_elements(entries) LOOP
        new_id := nextval(pg_get_serial_sequence('compliance_accesslogentry', 'id'));
        new_at := clock_timestamp();
        {who}
        new_account := (entry->>'account_id')::bigint;
        new_hash := encode(sha256(convert_to(concat_ws(E'\\x1f',
            previous,
            new_id::text,
            to_char(new_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
            coalesce(new_user::text, ''),
            new_username,
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
            (new_id, new_at, new_user, new_username, new_account,
             coalesce(entry->>'object_type', ''), coalesce(entry->>'object_id', ''),
             coalesce(entry->>'action', ''), coalesce(entry->>'path', ''), coalesce(entry->>'ip', ''),
             coalesce(entry->>'outcome', ''), coalesce(entry->>'reason', ''), previous, new_hash);
        previous := new_hash;
        appended := appended + 1;
    END LOOP;
    RETURN appended;
END
$$;
"""

FROM_PRINCIPAL = APPEND.format(
    genesis=GENESIS,
    declare="""system boolean := compliance_principal_is_system();
    actor bigint := compliance_principal_user_id();
    actor_name text;""",
    begin="""IF NOT system AND actor IS NOT NULL THEN
        SELECT username INTO actor_name FROM auth_user WHERE id = actor;
    END IF;""",
    who="""IF system THEN
            new_user := (entry->>'user_id')::bigint;
            new_username := coalesce(entry->>'username', '');
        ELSE
            new_user := actor;
            new_username := coalesce(actor_name, '');
        END IF;""",
)

FROM_ARGUMENTS = APPEND.format(
    genesis=GENESIS,
    declare="",
    begin="",
    who="""new_user := (entry->>'user_id')::bigint;
        new_username := coalesce(entry->>'username', '');""",
)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_row_level_security")]
    operations = [
        migrations.RunSQL(PRINCIPAL_HELPERS, DROP_HELPERS),
        migrations.RunSQL(FROM_PRINCIPAL, FROM_ARGUMENTS),
    ]
