"""bench_web's portfolio: accounts owned by two managers, a sponsor, acknowledged walls, a year of scores.

One in 200 accounts (and the last one, so a tiny portfolio has one) belongs to the timed account
manager; an executive sponsors one in 20.
"""

from accounts.models import Account, AccountTeamMember
from bench.loaders import common
from bench.tables import sql
from compliance.models import WallAcknowledgement

TABLES = {
    **common.TABLES,
    "account": Account,
    "member": AccountTeamMember,
    "ack": WallAcknowledgement,
}

SCORE_DAYS, REVENUE_MONTHS = 365, 24

STATEMENTS = [
    """
INSERT INTO {account} ({account.name}, {account.segment}, {account.tier}, {account.owner},
    {account.relationship_word}, {account.orientation}, {account.created_at}, {account.updated_at})
SELECT 'Bench account ' || g, (SELECT min({segment.id}) FROM {segment}) + g %% 10,
    (ARRAY['key','strategic','standard','standard'])[1 + g %% 4],
    CASE WHEN g %% 200 = 0 OR g = %(accounts)s THEN %(am)s ELSE %(other)s END, 'Partner',
    (ARRAY['partnership','balanced','price_only'])[1 + g %% 3], now(), now()
FROM generate_series(1, %(accounts)s) g
""",
    """
INSERT INTO {member} ({member.account}, {member.user}, {member.role}, {member.joined_at})
SELECT {account.id}, {account.owner}, 'lead', now() FROM {account} WHERE {account.owner} = %(am)s
UNION ALL
SELECT {account.id}, %(exec)s, 'sponsor', now() FROM {account} WHERE {account.id} %% 20 = 0
""",
    # Every insider has acknowledged the wall memo (the account page asks for it otherwise).
    """
INSERT INTO {ack} ({ack.user}, {ack.account}, {ack.acknowledged_at}, {ack.memo_text})
SELECT {member.user}, {member.account}, now(), 'bench' FROM {member}
""",
]


def portfolio_load(cursor, *, accounts: int, am: int, executive: int, other: int) -> None:
    """Load the portfolio through `cursor` (a transaction as the system principal, or the owner)."""
    common.segments_load(cursor)
    params = {"accounts": accounts, "am": am, "exec": executive, "other": other}
    for template in STATEMENTS:
        cursor.execute(sql(template, **TABLES), params)
    common.scores_and_revenue_load(cursor, accounts=accounts, days=SCORE_DAYS, months=REVENUE_MONTHS)
