"""Row-level security, ENABLEd and FORCEd, on every confidential table (docs/architecture.md, rule 2).

A row is visible, and writable, when the transaction's principal (compliance/principal.py) is the
system, or when it belongs to an account the user is an insider of: on its team (executive sponsors
included) or holding an approved crossing that has begun and not yet ended. The gateway
(compliance/access.py) applies the finer rules on top (acknowledgement, Brewer-Nash cooling-off);
this is the floor that holds when a query forgets its filter.

Every policy reads the principal through a scalar subquery, so PostgreSQL evaluates it once per
statement (a boolean InitPlan), not once per row; the insider function is PARALLEL SAFE, so the
nightly scans over confidential tables keep their parallel plans.
"""

from django.db import migrations

SYSTEM = "(SELECT current_setting('kam.principal', true) = 'system')"

INSIDER_FUNCTION = """
CREATE FUNCTION compliance_insider_account_ids() RETURNS SETOF bigint
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

# In FROM, the SQL function is inlined into the plan (a semi-join on the team's index).
BY_ACCOUNT = f"{SYSTEM} OR account_id IN (SELECT insider FROM compliance_insider_account_ids() insider)"  # noqa: S608

# Confidential tables and the condition that makes a row visible.
TABLES: dict[str, str] = {
    "accounts_accountcontext": BY_ACCOUNT,
    "accounts_businessforce": BY_ACCOUNT,
    "accounts_stakeholder": BY_ACCOUNT,
    "relationships_interaction": BY_ACCOUNT,
    "relationships_accountplan": BY_ACCOUNT,
    "relationships_monthlyrevenue": BY_ACCOUNT,
    "relationships_interactionmonthlymix": BY_ACCOUNT,
}
_BY_INTERACTION = (
    f"{SYSTEM} OR EXISTS (SELECT 1 FROM relationships_interaction i WHERE i.id = interaction_id)"  # noqa: S608
)
_BY_PLAN = f"{SYSTEM} OR EXISTS (SELECT 1 FROM relationships_accountplan p WHERE p.id = plan_id)"  # noqa: S608
TABLES.update(
    {
        "relationships_interaction_our_participants": _BY_INTERACTION,
        "relationships_interaction_their_participants": _BY_INTERACTION,
        "relationships_followupaction": _BY_INTERACTION,
        "relationships_planobjective": _BY_PLAN,
        "relationships_planaction": _BY_PLAN,
        "relationships_swotitem": _BY_PLAN,
        "relationships_whitespacecell": _BY_PLAN,
        "relationships_jointinitiative": _BY_PLAN,
        "relationships_investment": _BY_PLAN,
    }
)


def _forward() -> str:
    statements = [INSIDER_FUNCTION]
    for table, condition in TABLES.items():
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;",
            f"CREATE POLICY kam_wall ON {table} USING ({condition}) WITH CHECK ({condition});",
        ]
    return "\n".join(statements)


def _backward() -> str:
    statements = []
    for table in TABLES:
        statements += [
            f"DROP POLICY kam_wall ON {table};",
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;",
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;",
        ]
    statements.append("DROP FUNCTION compliance_insider_account_ids();")
    return "\n".join(statements)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_access_log"),
        ("accounts", "0002_stakeholder_last_contact"),
        ("relationships", "0005_backfill_stakeholder_last_contact"),
    ]
    operations = [migrations.RunSQL(_forward(), _backward())]
