"""bench_access's portfolio: teams, competitors, walls, read history and every confidential panel.

%(ams)s holds the managers' ids and %(n)s their number; manager j leads account a when a % n == j and
sits on the teams of a + 1 and a + 2. Competitors are a + 10, a + 30 and a + 50 (same segment), never
on a shared team while n > 52. Everything is loaded through the owner connection, with explicit ids
where later statements derive rows from them.
"""

from accounts.models import (
    Account,
    AccountContext,
    AccountTeamMember,
    BusinessForce,
    CompetitorLink,
    Stakeholder,
)
from bench.loaders import common
from bench.tables import sql
from compliance.models import ReadHistory, WallAcknowledgement, WallMemo
from relationships.models import AccountPlan, FollowUpAction, Interaction, PlanAction, PlanObjective

TABLES = {
    **common.TABLES,
    "member": AccountTeamMember,
    "link": CompetitorLink,
    "memo": WallMemo,
    "ack": WallAcknowledgement,
    "reads": ReadHistory,
    "stakeholder": Stakeholder,
    "interaction": Interaction,
    "ours": Interaction.our_participants.through,
    "theirs": Interaction.their_participants.through,
    "followup": FollowUpAction,
    "plan": AccountPlan,
    "objective": PlanObjective,
    "action": PlanAction,
    "context": AccountContext,
    "force": BusinessForce,
}
# Tables loaded with explicit ids: their identity sequences continue after the last one.
EXPLICIT_IDS = [Account, Stakeholder, Interaction, AccountPlan, PlanObjective]
SCORE_DAYS, REVENUE_MONTHS = 31, 12

WALLS = [
    """
INSERT INTO {account} ({account.id}, {account.name}, {account.segment}, {account.tier}, {account.owner},
    {account.relationship_word}, {account.orientation}, {account.created_at}, {account.updated_at})
SELECT g, 'Bench account ' || g, (SELECT min({segment.id}) FROM {segment}) + g %% 10,
    (ARRAY['key','strategic','standard','standard'])[1 + g %% 4], (%(ams)s::int[])[1 + g %% %(n)s],
    'Partner', (ARRAY['partnership','balanced','price_only'])[1 + g %% 3],
    now() - make_interval(days => g %% 900), now()
FROM generate_series(1, %(accounts)s) g
""",
    """
INSERT INTO {member} ({member.account}, {member.user}, {member.role}, {member.joined_at})
SELECT a.{account.id}, (%(ams)s::int[])[1 + (a.{account.id} + k) %% %(n)s],
    CASE k WHEN 0 THEN 'lead' ELSE 'member' END, now() - interval '400 days'
FROM {account} a, generate_series(0, 2) k
UNION ALL
SELECT {account.id}, %(exec)s, 'sponsor', now() - interval '400 days' FROM {account}
WHERE {account.id} %% 20 = 0
""",
    """
INSERT INTO {link} ({link.account_a}, {link.account_b}, {link.segment}, {link.note}, {link.created_at})
SELECT a.{account.id}, a.{account.id} + d, a.{account.segment}, '', now()
FROM {account} a, unnest(ARRAY[10, 30, 50]) d
WHERE a.{account.id} + d <= %(accounts)s
""",
    """
INSERT INTO {memo} ({memo.account}, {memo.text}, {memo.updated_at})
SELECT {account.id}, 'Wall memo of ' || {account.name} || ': ' || repeat('confidential: never shared. ', 5),
    now() - interval '500 days'
FROM {account}
""",
    # A current acknowledgement per team member, and last year's expired one.
    """
INSERT INTO {ack} ({ack.user}, {ack.account}, {ack.acknowledged_at}, {ack.memo_text})
SELECT m.{member.user}, m.{member.account},
    now() - make_interval(days => (e * 400 + (m.{member.account} + m.{member.user}) %% 300)::int),
    w.{memo.text}
FROM {member} m JOIN {memo} w ON w.{memo.account} = m.{member.account}, generate_series(0, 1) e
""",
    # Recent reads of one's own accounts; reads of a competitor long ago (its cooling-off is over).
    """
INSERT INTO {reads} ({reads.user}, {reads.account}, {reads.first_read_at}, {reads.last_read_at},
    {reads.reads})
SELECT {member.user}, {member.account}, now() - interval '500 days',
    now() - make_interval(days => (({member.account} + {member.user}) %% 90)::int, hours => 1),
    1 + {member.account} %% 40
FROM {member}
UNION ALL
SELECT (%(ams)s::int[])[1 + ({account.id} - 10) %% %(n)s], {account.id}, now() - interval '600 days',
    now() - make_interval(days => (200 + {account.id} %% 200)::int), 3
FROM {account} WHERE {account.id} > 10
""",
]

STAKEHOLDERS_AND_INTERACTIONS = [
    """
INSERT INTO {stakeholder} ({stakeholder.id}, {stakeholder.account}, {stakeholder.name}, {stakeholder.title},
    {stakeholder.reports_to}, {stakeholder.influence}, {stakeholder.attitude}, {stakeholder.email},
    {stakeholder.phone}, {stakeholder.notes}, {stakeholder.relationship_owner}, {stakeholder.last_contact_on},
    {stakeholder.created_at}, {stakeholder.updated_at})
SELECT (a.{account.id} - 1) * 8 + s, a.{account.id}, 'Stakeholder ' || a.{account.id} || '-' || s,
    (ARRAY['CEO','CFO','CIO','Head of procurement','Buyer','Engineer','Operations','Legal'])[s],
    CASE WHEN s = 1 THEN NULL ELSE (a.{account.id} - 1) * 8 + 1 END, 1 + s %% 4,
    (ARRAY['champion','supporter','neutral','skeptic','blocker'])[1 + (a.{account.id} + s) %% 5],
    's' || s || '@account' || a.{account.id} || '.example', '+1 555 0100',
    repeat('Notes on priorities. ', 10),
    a.{account.owner}, current_date - ((a.{account.id} + s) %% 60)::int, now(), now()
FROM {account} a, generate_series(1, 8) s
""",
    """
INSERT INTO {interaction} ({interaction.id}, {interaction.account}, {interaction.occurred_on},
    {interaction.channel}, {interaction.category}, {interaction.summary}, {interaction.sentiment},
    {interaction.effort_hours}, {interaction.work_type}, {interaction.should_have_been_charged},
    {interaction.author}, {interaction.created_at}, {interaction.updated_at})
SELECT (a.{account.id} - 1) * 20 + i, a.{account.id}, current_date - (i * 9 + a.{account.id} %% 5)::int,
    (ARRAY['meeting','call','email','visit','qbr','workshop','other'])[1 + (a.{account.id} + i) %% 7],
    (ARRAY['relationship','value_adding','firefighting','escalation','unvalued','relationship',
           'value_adding'])[1 + (a.{account.id} * 3 + i) %% 7],
    'Interaction ' || i || ' with account ' || a.{account.id} || ': ' || repeat('needs, next steps, ', 8),
    (a.{account.id} + i) %% 5 - 2, 1.5, (ARRAY['support','chargeable'])[1 + i %% 2], false,
    (%(ams)s::int[])[1 + (a.{account.id} + i %% 3) %% %(n)s], now(), now()
FROM {account} a, generate_series(1, 20) i
""",
    """
INSERT INTO {ours} ({ours.interaction}, {ours.user})
SELECT {interaction.id}, {interaction.author} FROM {interaction}
""",
    """
INSERT INTO {theirs} ({theirs.interaction}, {theirs.stakeholder})
SELECT i.{interaction.id}, (i.{interaction.account} - 1) * 8 + 1 + (i.{interaction.id} + k * 3) %% 8
FROM {interaction} i, generate_series(0, 1) k
""",
    """
INSERT INTO {followup} ({followup.description}, {followup.due_on}, {followup.done_at}, {followup.owner},
    {followup.interaction})
SELECT 'Follow up ' || i.{interaction.id}, i.{interaction.occurred_on} + 14,
    CASE WHEN i.{interaction.id} %% 2 = 0 THEN now() END, i.{interaction.author}, i.{interaction.id}
FROM {interaction} i WHERE i.{interaction.id} %% 20 < 4
""",
]

PLANS_AND_CONTEXT = [
    """
INSERT INTO {plan} ({plan.id}, {plan.account}, {plan.fiscal_year}, {plan.customer_goals}, {plan.our_goals},
    {plan.status}, {plan.review_comment}, {plan.submitted_at}, {plan.decided_at}, {plan.reviewed_at},
    {plan.created_at}, {plan.updated_at}, {plan.decided_by})
SELECT (a.{account.id} - 1) * 2 + p, a.{account.id}, %(year)s + 1 - p, repeat('Grow the business. ', 20),
    repeat('Grow our share. ', 20), CASE p WHEN 1 THEN 'draft' ELSE 'approved' END, '',
    CASE p WHEN 2 THEN now() - interval '300 days' END,
    CASE p WHEN 2 THEN now() - interval '290 days' END,
    now() - make_interval(days => (a.{account.id} %% 120)::int), now(), now(),
    CASE p WHEN 2 THEN %(exec)s END
FROM {account} a, generate_series(1, 2) p
""",
    """
INSERT INTO {objective} ({objective.id}, {objective.plan}, {objective.title}, {objective.measure})
SELECT (p.{plan.id} - 1) * 3 + o, p.{plan.id}, 'Objective ' || o, 'Measure ' || o
FROM {plan} p, generate_series(1, 3) o
""",
    """
INSERT INTO {action} ({action.plan}, {action.objective}, {action.description}, {action.due_on},
    {action.status}, {action.percent_done}, {action.owner})
SELECT p.{plan.id}, (p.{plan.id} - 1) * 3 + 1 + x %% 3, 'Action ' || x, current_date + x * 20,
    (ARRAY['not_started','in_progress','done','blocked'])[1 + (p.{plan.id} + x) %% 4],
    (p.{plan.id} + x) * 17 %% 101, a.{account.owner}
FROM {plan} p JOIN {account} a ON a.{account.id} = p.{plan.account}, generate_series(1, 6) x
""",
    """
INSERT INTO {context} ({context.account}, {context.market_position}, {context.other_competitors},
    {context.strategy_3m}, {context.strategy_6m}, {context.strategy_12m}, {context.strategy_18m},
    {context.updated_at})
SELECT {account.id}, repeat('Leader in its niche. ', 10), 'Others', 'Hold', 'Grow', 'Expand', 'Lead', now()
FROM {account}
""",
    """
INSERT INTO {force} ({force.account}, {force.kind}, {force.impact}, {force.description}, {force.created_at})
SELECT a.{account.id}, (ARRAY['technology','regulation','customers'])[1 + (a.{account.id} + f) %% 3],
    (ARRAY['threat','opportunity','mixed'])[1 + f], 'Force ' || f || ': ' || repeat('pressure. ', 10), now()
FROM {account} a, generate_series(0, 1) f
""",
]


def portfolio_load(owner, *, accounts: int, ams: list[int], executive: int, year: int) -> None:
    """Load the portfolio through the owner connection; `ams[0]` is the manager the bench times."""
    params = {"ams": ams, "n": len(ams), "exec": executive, "accounts": accounts, "year": year}
    with owner.cursor() as cursor:
        common.segments_load(cursor)
        for template in WALLS + STAKEHOLDERS_AND_INTERACTIONS + PLANS_AND_CONTEXT:
            cursor.execute(sql(template, **TABLES), params)
        common.scores_and_revenue_load(cursor, accounts=accounts, days=SCORE_DAYS, months=REVENUE_MONTHS)
        for model in EXPLICIT_IDS:
            cursor.execute(
                sql("SELECT setval(pg_get_serial_sequence(%s, %s), (SELECT max({t.pk}) FROM {t}))", t=model),
                [model._meta.db_table, model._meta.pk.column],
            )
