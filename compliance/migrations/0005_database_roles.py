"""The database decides who is the system, and keeps every change of the wall's records (docs/security.md).

- **System by role.** Every `kam_wall` policy (whichever migration created it: they are found in
  pg_policies) and the insider function stop trusting the setting `kam.principal`: a statement is
  the system's when it runs as the system role or the owner (`compliance_is_system()`).
- **Users by proof.** `compliance_principal_user_id()` (SECURITY DEFINER) returns `kam.user_id`
  only when `kam.user_proof` is its HMAC with the transaction's tag under the key in
  `compliance_principalkey`, which only the owner can read (compliance/principal.py writes both).
  SQL has `sha256()` but no HMAC without pgcrypto: the key is stored as its two pads (RFC 2104).
- **Privileges.** The web role loses TRUNCATE everywhere and UPDATE/DELETE on crossings, exceptions
  and acknowledgements (it may still insert its own, checked by a trigger); their changes go through
  SECURITY DEFINER functions that take the actor from the verified principal. Read history keeps
  INSERT and UPDATE for the read upsert, but a trigger lets it only move forward, and loses DELETE.
  The system role gets what background work needs (no TRUNCATE either).
- **History.** Every insert, update and delete of crossings, exceptions, acknowledgements, team
  memberships, competitor links and wall memos is kept in `compliance_wallchange` (who, when, before,
  after as jsonb), append-only like the access log; the compliance console reads it.

Names of the roles come from settings (DATABASE_ROLES) and the migrating role (the owner).
"""

from django.conf import settings
from django.db import migrations, models

SYSTEM_CONDITION = "(SELECT compliance_is_system())"
OLD_SYSTEM_PATTERN = (
    r"\(\s*SELECT\s+\(current_setting\('kam\.principal'::text,\s*true\)\s*=\s*'system'::text\)\)"
)
NEW_SYSTEM_PATTERN = r"\(\s*SELECT\s+compliance_is_system\(\)(\s+AS\s+compliance_is_system)?\)"
OLD_SYSTEM_CONDITION = "(SELECT current_setting('kam.principal', true) = 'system')"

WALL_TABLES = ["compliance_wallcrossing", "compliance_wallexception", "compliance_wallacknowledgement"]
KEPT_TABLES = [*WALL_TABLES, "accounts_accountteammember", "accounts_competitorlink", "compliance_wallmemo"]


def _rewrite_policies(pattern: str, replacement: str, forbidden: str) -> str:
    """Rewrite the system condition of every kam_wall policy; refuse to leave the old one anywhere."""
    return f"""
DO $rewrite$
DECLARE
    p record;
    using_expr text;
    check_expr text;
BEGIN
    FOR p IN SELECT schemaname, tablename, qual, with_check FROM pg_policies WHERE policyname = 'kam_wall'
    LOOP
        using_expr := regexp_replace(p.qual, $re${pattern}$re$, $new${replacement}$new$, 'g');
        check_expr := regexp_replace(coalesce(p.with_check, p.qual), $re${pattern}$re$,
                                     $new${replacement}$new$, 'g');
        IF using_expr ~ $re${forbidden}$re$ OR check_expr ~ $re${forbidden}$re$ THEN
            RAISE EXCEPTION 'policy kam_wall on % still has a condition it must not: %', p.tablename, using_expr;
        END IF;
        EXECUTE format('ALTER POLICY kam_wall ON %I.%I USING (%s) WITH CHECK (%s)',
                       p.schemaname, p.tablename, using_expr, check_expr);
    END LOOP;
END
$rewrite$;
"""  # noqa: S608 - constants only


def _role_functions(system_role: str, owner_role: str) -> list[str]:
    roles = f"{_literal(system_role)}, {_literal(owner_role)}"
    return [
        # The policies' "system": the role the statement runs as (stepping down to the web role ends it).
        f"""CREATE OR REPLACE FUNCTION compliance_is_system() RETURNS boolean
            LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT current_user IN ({roles}) $$""",
        # A connection logged in as the system or owner (a worker, a command, a migration).
        f"""CREATE OR REPLACE FUNCTION compliance_session_is_system() RETURNS boolean
            LANGUAGE sql STABLE PARALLEL SAFE AS $$ SELECT session_user IN ({roles}) $$""",
        # The caller's role, also inside a SECURITY DEFINER function (the access log's writer), where
        # current_user is the function's owner: the role SET ROLE chose, else the login role.
        f"""CREATE OR REPLACE FUNCTION compliance_principal_is_system() RETURNS boolean
            LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT CASE WHEN current_setting('role') = 'none' THEN session_user IN ({roles})
                        ELSE current_setting('role') IN ({roles}) END $$""",
    ]


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


PRINCIPAL = """
CREATE TABLE compliance_principalkey (
    id smallint PRIMARY KEY CHECK (id = 1),
    inner_pad bytea NOT NULL CHECK (length(inner_pad) = 64),
    outer_pad bytea NOT NULL CHECK (length(outer_pad) = 64),
    stored_at timestamptz NOT NULL
);
REVOKE ALL ON compliance_principalkey FROM PUBLIC;

-- What a user proof is bound to: this transaction (parallel workers share its start time).
CREATE FUNCTION compliance_transaction_tag() RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT to_char(transaction_timestamp() AT TIME ZONE 'UTC', 'YYYYMMDDHH24MISSUS')
$$;

-- The transaction's user, when its proof holds; NULL otherwise (nobody, or the system). Replaces
-- the setting-only version of compliance/migrations/0004_access_log_principal.py.
CREATE OR REPLACE FUNCTION compliance_principal_user_id() RETURNS bigint
LANGUAGE sql STABLE PARALLEL SAFE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
    SELECT claim.user_id
      FROM (SELECT CASE WHEN current_setting('kam.user_id', true) ~ '^[0-9]{1,18}$'
                        THEN current_setting('kam.user_id', true)::bigint END AS user_id,
                   current_setting('kam.user_proof', true) AS proof) claim
      JOIN public.compliance_principalkey k ON k.id = 1
     WHERE claim.proof = encode(sha256(k.outer_pad || sha256(k.inner_pad
               || convert_to(claim.user_id::text || ':' || compliance_transaction_tag(), 'UTF8'))), 'hex')
$$;

-- Names qualified: the body is parsed with the caller's search_path, where pg_temp comes first.
CREATE OR REPLACE FUNCTION compliance_insider_account_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.account_id FROM public.accounts_accountteammember m
     WHERE m.user_id = (SELECT public.compliance_principal_user_id())
    UNION ALL
    SELECT c.account_id FROM public.compliance_wallcrossing c
     WHERE c.user_id = (SELECT public.compliance_principal_user_id())
       AND c.status = 'approved'
       AND c.starts_at <= statement_timestamp() AND statement_timestamp() < c.ends_at
$$;
"""

OLD_INSIDER = """
CREATE OR REPLACE FUNCTION compliance_insider_account_ids() RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT m.account_id FROM accounts_accountteammember m
     WHERE current_setting('kam.principal', true) = 'user'
       AND m.user_id = nullif(current_setting('kam.user_id', true), '')::bigint
    UNION ALL
    SELECT c.account_id FROM compliance_wallcrossing c
     WHERE current_setting('kam.principal', true) = 'user'
       AND c.user_id = nullif(current_setting('kam.user_id', true), '')::bigint
       AND c.status = 'approved'
       AND c.starts_at <= statement_timestamp() AND statement_timestamp() < c.ends_at
$$;
"""

# compliance/migrations/0004_access_log_principal.py's helpers, put back when this one is undone.
OLD_PRINCIPAL_HELPERS = """
CREATE OR REPLACE FUNCTION compliance_principal_user_id() RETURNS bigint
LANGUAGE sql STABLE SECURITY INVOKER AS $$
    SELECT CASE WHEN current_setting('kam.principal', true) = 'user'
                 AND current_setting('kam.user_id', true) ~ '^[0-9]{1,18}$'
                THEN current_setting('kam.user_id', true)::bigint END
$$;

CREATE OR REPLACE FUNCTION compliance_principal_is_system() RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT coalesce(current_setting('kam.principal', true) = 'system', false)
$$;
"""

HISTORY = """
CREATE TABLE compliance_wallchange (
    id bigserial PRIMARY KEY,
    at timestamptz NOT NULL,
    table_name text NOT NULL,
    record_id bigint NOT NULL,
    operation text NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
    actor_id bigint NULL,
    db_role text NOT NULL,
    before jsonb NULL,
    after jsonb NULL
);
CREATE INDEX compliance_wallchange_record ON compliance_wallchange (table_name, record_id);
CREATE INDEX compliance_wallchange_at ON compliance_wallchange (at);

-- Who: the verified user (NULL for the system); the login role tells a web request from a worker.
CREATE FUNCTION compliance_wall_change_keep() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    old_row jsonb;
    new_row jsonb;
BEGIN
    IF TG_OP <> 'INSERT' THEN old_row := to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN new_row := to_jsonb(NEW); END IF;
    INSERT INTO compliance_wallchange (at, table_name, record_id, operation, actor_id, db_role, before, after)
    VALUES (clock_timestamp(), TG_TABLE_NAME, (coalesce(new_row, old_row)->>'id')::bigint, lower(TG_OP),
            compliance_principal_user_id(), session_user, old_row, new_row);
    RETURN NULL;
END
$$;

CREATE FUNCTION compliance_wall_change_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the wall''s history is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER compliance_wallchange_no_update_delete
    BEFORE UPDATE OR DELETE ON compliance_wallchange
    FOR EACH ROW EXECUTE FUNCTION compliance_wall_change_immutable();
CREATE TRIGGER compliance_wallchange_no_truncate
    BEFORE TRUNCATE ON compliance_wallchange
    FOR EACH STATEMENT EXECUTE FUNCTION compliance_wall_change_immutable();
"""

# A person adds only their own records, and no crossing arrives approved; the system adds anything.
INSERT_CHECK = """
CREATE FUNCTION compliance_wall_insert_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    me bigint;
    record jsonb := to_jsonb(NEW);
    own_column text := CASE TG_TABLE_NAME WHEN 'compliance_wallexception' THEN 'granted_by_id' ELSE 'user_id' END;
BEGIN
    IF compliance_is_system() THEN
        RETURN NEW;
    END IF;
    me := compliance_principal_user_id();
    IF me IS NULL OR (record->>own_column)::bigint IS DISTINCT FROM me
       OR (TG_TABLE_NAME = 'compliance_wallcrossing'
           AND (record->>'status' <> 'requested' OR record->>'decided_by_id' IS NOT NULL
                OR record->>'decided_at' IS NOT NULL OR record->>'starts_at' IS NOT NULL
                OR record->>'ends_at' IS NOT NULL))
       OR (TG_TABLE_NAME = 'compliance_wallexception' AND record->>'revoked_at' IS NOT NULL)
    THEN
        RAISE EXCEPTION '% refused: a person adds only their own wall records, and only as requests',
            TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;

-- Reads only accumulate: a rewritten history could only shorten a cooling-off.
CREATE FUNCTION compliance_read_history_forward() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id <> OLD.user_id OR NEW.account_id <> OLD.account_id
       OR NEW.first_read_at <> OLD.first_read_at OR NEW.last_read_at < OLD.last_read_at
       OR NEW.reads < OLD.reads THEN
        RAISE EXCEPTION 'read history only moves forward' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER compliance_readhistory_forward
    BEFORE UPDATE ON compliance_readhistory
    FOR EACH ROW EXECUTE FUNCTION compliance_read_history_forward();
"""

# The changes a service makes to crossings and exceptions. The actor is the verified user; without
# one only a system connection may name the actor (a command or a test acting for a person).
CHANGES = """
CREATE FUNCTION compliance_wall_actor(claimed bigint, at timestamptz) RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    verified bigint := compliance_principal_user_id();
BEGIN
    IF compliance_session_is_system() THEN
        IF verified IS NOT NULL AND claimed IS DISTINCT FROM verified THEN
            RAISE EXCEPTION 'the actor is not the transaction''s user' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN coalesce(verified, claimed);
    END IF;
    IF verified IS NULL OR claimed IS DISTINCT FROM verified THEN
        RAISE EXCEPTION 'wall records change only as the transaction''s own user'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- A person's change happens now: no backdated or future windows.
    IF abs(extract(epoch FROM at - statement_timestamp())) > 600 THEN
        RAISE EXCEPTION 'a change of the wall is dated now' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN verified;
END
$$;

-- Approve (the window opens at `at` for the requested days) or reject a request still waiting.
CREATE FUNCTION compliance_crossing_decide(crossing_id bigint, actor_id bigint, approve boolean,
                                           note text, at timestamptz) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := compliance_wall_actor(actor_id, at);
    crossing compliance_wallcrossing%ROWTYPE;
BEGIN
    SELECT * INTO crossing FROM compliance_wallcrossing WHERE id = crossing_id FOR UPDATE;
    IF NOT FOUND OR crossing.status <> 'requested' THEN
        RETURN false;
    END IF;
    IF crossing.user_id = actor THEN
        RAISE EXCEPTION 'nobody decides on their own crossing' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT approve AND coalesce(btrim(note), '') = '' THEN
        RAISE EXCEPTION 'a rejection needs a note' USING ERRCODE = 'check_violation';
    END IF;
    UPDATE compliance_wallcrossing
       SET status = CASE WHEN approve THEN 'approved' ELSE 'rejected' END,
           starts_at = CASE WHEN approve THEN at END,
           ends_at = CASE WHEN approve THEN at + crossing.days * interval '24 hours' END,
           decided_by_id = actor, decided_at = at, decision_note = coalesce(note, '')
     WHERE id = crossing_id;
    RETURN true;
END
$$;

CREATE FUNCTION compliance_crossing_withdraw(crossing_id bigint, actor_id bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := compliance_wall_actor(actor_id, at);
BEGIN
    UPDATE compliance_wallcrossing SET status = 'withdrawn'
     WHERE id = crossing_id AND user_id = actor AND status = 'requested';
    RETURN FOUND;
END
$$;

CREATE FUNCTION compliance_exception_revoke(exception_id bigint, actor_id bigint, at timestamptz)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
    actor bigint := compliance_wall_actor(actor_id, at);
BEGIN
    UPDATE compliance_wallexception SET revoked_at = at WHERE id = exception_id AND revoked_at IS NULL;
    RETURN FOUND;
END
$$;
"""

DROP = """
DROP FUNCTION compliance_crossing_decide(bigint, bigint, boolean, text, timestamptz);
DROP FUNCTION compliance_crossing_withdraw(bigint, bigint, timestamptz);
DROP FUNCTION compliance_exception_revoke(bigint, bigint, timestamptz);
DROP FUNCTION compliance_wall_actor(bigint, timestamptz);
DROP TRIGGER compliance_readhistory_forward ON compliance_readhistory;
DROP FUNCTION compliance_read_history_forward();
DROP TABLE compliance_wallchange;
DROP FUNCTION compliance_wall_change_immutable();
"""


def _forward_sql(web: str, system: str, owner: str, quote) -> list[str]:
    statements = [*_role_functions(system, owner), PRINCIPAL, HISTORY, INSERT_CHECK, CHANGES]
    # The access log's writer resolved its table through a search_path where pg_temp came first.
    statements.append(
        "ALTER FUNCTION compliance_access_log_append(jsonb) SET search_path = pg_catalog, public, pg_temp"
    )
    statements.append(_rewrite_policies(OLD_SYSTEM_PATTERN, SYSTEM_CONDITION, r"kam\.principal"))
    for table in KEPT_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_kept AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION compliance_wall_change_keep()"
        )
    for table in WALL_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_insert_check BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION compliance_wall_insert_check()"
        )
    if web == owner:
        return statements  # one role for everything: only the triggers guard the records
    web, system = quote(web), quote(system)
    wall = ", ".join(WALL_TABLES)
    statements += [
        # The system role: what background work needs, on every table, now and later. No TRUNCATE.
        f"GRANT USAGE ON SCHEMA public TO {system}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {system}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {system}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {system}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {system}",
        f"GRANT EXECUTE ON FUNCTION compliance_access_log_append(jsonb) TO {system}",
        # No TRUNCATE for the web role, anywhere, now or later (TRUNCATE ignores row-level security).
        f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {web}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE TRUNCATE ON TABLES FROM {web}",
        # Wall records change through the functions above only.
        f"REVOKE UPDATE, DELETE ON {wall} FROM {web}",
        f"REVOKE DELETE ON compliance_readhistory FROM {web}",
        # The append-only tables and the key.
        f"REVOKE ALL ON compliance_accesslogentry FROM {system}",
        f"GRANT SELECT ON compliance_accesslogentry TO {system}",
        f"REVOKE ALL ON SEQUENCE compliance_accesslogentry_id_seq FROM {system}",
        f"REVOKE ALL ON compliance_wallchange FROM {web}, {system}",
        f"GRANT SELECT ON compliance_wallchange TO {web}, {system}",
        f"REVOKE ALL ON SEQUENCE compliance_wallchange_id_seq FROM {web}, {system}",
        f"REVOKE ALL ON compliance_principalkey FROM {web}, {system}",
        # No temporary tables: a temporary table named like a real one would shadow it for the
        # connection that made it (pg_temp comes first on every search_path that does not list it).
        "DO $$ BEGIN EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database()); END $$",
        # The system's own batch work stages rows in ON COMMIT DROP tables (relationships/scoring/output.py).
        f"DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO {system}', current_database()); END $$",
    ]
    return statements


def forward(apps, schema_editor):
    web, system = settings.DATABASE_ROLES["web"], settings.DATABASE_ROLES["system"]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_user, EXISTS (SELECT FROM pg_roles WHERE rolname = %s)", [system])
        owner, system_exists = cursor.fetchone()
        if web != owner and not system_exists:
            raise RuntimeError(
                f"The system role {system} does not exist: create the roles first "
                "(python -m kam.devstack bootstrap-db <superuser URL>, README)."
            )
        for statement in _forward_sql(web, system, owner, schema_editor.quote_name):
            cursor.execute(statement)


def backward(apps, schema_editor):
    web = settings.DATABASE_ROLES["web"]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
        for table in KEPT_TABLES:
            cursor.execute(f"DROP TRIGGER {table}_kept ON {table}")
        for table in WALL_TABLES:
            cursor.execute(f"DROP TRIGGER {table}_insert_check ON {table}")
        cursor.execute("DROP FUNCTION compliance_wall_insert_check()")
        cursor.execute("DROP FUNCTION compliance_wall_change_keep()")
        cursor.execute(DROP)
        cursor.execute(_rewrite_policies(NEW_SYSTEM_PATTERN, OLD_SYSTEM_CONDITION, "compliance_is_system"))
        cursor.execute(OLD_INSIDER)
        cursor.execute(OLD_PRINCIPAL_HELPERS)
        cursor.execute("DROP FUNCTION compliance_transaction_tag()")
        cursor.execute("DROP TABLE compliance_principalkey")
        cursor.execute("DROP FUNCTION compliance_is_system()")
        cursor.execute("DROP FUNCTION compliance_session_is_system()")
        if web != owner:
            role = schema_editor.quote_name(web)
            wall = ", ".join(WALL_TABLES)
            cursor.execute(f"GRANT UPDATE, DELETE ON {wall} TO {role}")
            cursor.execute(f"GRANT DELETE ON compliance_readhistory TO {role}")
            cursor.execute(f"GRANT TRUNCATE ON ALL TABLES IN SCHEMA public TO {role}")
            cursor.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT TRUNCATE ON TABLES TO {role}")
            cursor.execute(
                "DO $$ BEGIN EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO PUBLIC', current_database()); END $$"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0004_access_log_principal"),
        # The latest migration that adds a kam_wall policy: its policy is rewritten here too.
        ("relationships", "0006_score_detail"),
    ]
    operations = [
        migrations.CreateModel(
            name="WallChange",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
                ("table_name", models.TextField()),
                ("record_id", models.BigIntegerField()),
                ("operation", models.TextField()),
                ("actor_id", models.BigIntegerField(null=True)),
                ("db_role", models.TextField()),
                ("before", models.JSONField(null=True)),
                ("after", models.JSONField(null=True)),
            ],
            options={
                "db_table": "compliance_wallchange",
                "ordering": ["-id"],
                "managed": False,
                "default_permissions": ("view",),
            },
        ),
        migrations.RunPython(forward, backward, elidable=False),
    ]
