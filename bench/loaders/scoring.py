"""bench_scoring's portfolio: accounts, interactions and monthly revenue, loaded through the owner role.

Clustered by account, as a table filled over the years and vacuumed would roughly be. The owner may
drop foreign keys and indexes while loading and VACUUM afterwards; the app role may not.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from accounts.models import Account, Segment
from bench.tables import Table, sql
from relationships.models import Interaction, MonthlyRevenue

TABLES = {"account": Account, "segment": Segment, "interaction": Interaction, "revenue": MonthlyRevenue}
OWNER_USERNAME = "bench_owner"

STATEMENTS = [
    """
INSERT INTO {segment} ({segment.name}, {segment.description})
SELECT 'Bench segment ' || g, '' FROM generate_series(1, 10) g
""",
    """
INSERT INTO {account} ({account.name}, {account.segment}, {account.tier}, {account.owner},
    {account.relationship_word}, {account.orientation}, {account.created_at}, {account.updated_at})
SELECT 'Bench account ' || g, (SELECT min({segment.id}) FROM {segment}) + g %% 10,
    (ARRAY['key', 'strategic', 'standard'])[1 + g %% 3], %(owner)s, '', 'balanced', now(), now()
FROM generate_series(1, %(accounts)s) g
""",
]
INTERACTIONS = """
INSERT INTO {interaction} ({interaction.account}, {interaction.occurred_on}, {interaction.channel},
    {interaction.category}, {interaction.summary}, {interaction.sentiment}, {interaction.effort_hours},
    {interaction.work_type}, {interaction.should_have_been_charged}, {interaction.author},
    {interaction.created_at}, {interaction.updated_at})
SELECT a0 + (g - 1) / %(per)s, CURRENT_DATE - (random() * 730)::int, 'call',
    (ARRAY['relationship', 'value_adding', 'value_adding', 'relationship', 'firefighting',
           'escalation', 'unvalued', 'firefighting'])[1 + floor(random() * 8)::int],
    'x', 0, 0, 'support', false, %(owner)s, now(), now()
FROM generate_series(1, %(rows)s) g, (SELECT min({account.id}) AS a0 FROM {account}) base
"""
REVENUE = """
INSERT INTO {revenue} ({revenue.account}, {revenue.month}, {revenue.revenue}, {revenue.margin},
    {revenue.updated_at})
SELECT a.{account.id}, (date_trunc('month', CURRENT_DATE) - make_interval(months => m))::date,
    round((1000 + random() * 9000)::numeric, 2), round((100 + random() * 800)::numeric, 2), now()
FROM {account} a, generate_series(1, %(months)s) m
"""


def _drop_for_loading(cursor, model) -> list[str]:
    """Drop the table's foreign keys and secondary indexes; return the statements re-creating the indexes.

    Deferred foreign-key checks on 10M rows would queue 10M trigger events; the data is generated
    consistent, and the bench database is thrown away afterwards, so the keys are not restored.
    """
    table = Table(model)
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [str(table)]
    )
    for (name,) in cursor.fetchall():
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor.execute(
        """SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
           WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND NOT i.indisunique""",
        [str(table)],
    )
    rows = cursor.fetchall()
    for name, _definition in rows:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def portfolio_build(owner, *, accounts: int, per_account: int, months: int) -> None:
    """Replace the bench database's portfolio with `accounts` accounts, their interactions and revenue."""
    user, _ = (
        get_user_model()
        .objects.db_manager(owner.alias)
        .get_or_create(username=OWNER_USERNAME, defaults={"password": make_password(None)})
    )
    params = {"owner": user.pk, "accounts": accounts, "per": per_account, "months": months}
    params["rows"] = accounts * per_account
    with owner.cursor() as cursor:
        cursor.execute(sql("TRUNCATE {account}, {segment} CASCADE", **TABLES))
        for template in STATEMENTS:
            cursor.execute(sql(template, **TABLES), params)
        indexes = _drop_for_loading(cursor, Interaction) + _drop_for_loading(cursor, MonthlyRevenue)
        cursor.execute(sql(INTERACTIONS, **TABLES), params)
        cursor.execute(sql(REVENUE, **TABLES), params)
        for definition in indexes:
            cursor.execute(definition)
        for model in (Account, Interaction, MonthlyRevenue):
            cursor.execute(f"VACUUM (ANALYZE) {Table(model)}")
