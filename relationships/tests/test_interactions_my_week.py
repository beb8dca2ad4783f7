"""My week: my accounts, my actions, silent stakeholders and accounts in firefighting mode."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory, StakeholderFactory
from relationships.interactions.selectors import my_week
from relationships.models import AccountPlan, PlanAction
from relationships.tests.factories import follow_up, log_interaction

MY_WEEK = reverse("relationships:my_week")


def page(response) -> str:
    return response.content.decode()


def test_my_week_lists_overdue_and_upcoming_follow_ups(client, personas):
    account = personas.alice_account
    log_interaction(
        account,
        personas.alice,
        follow_ups=[
            follow_up(personas.alice, due_in_days=-2, description="Overdue call-back"),
            follow_up(personas.alice, due_in_days=3, description="Upcoming proposal"),
            follow_up(personas.alice, due_in_days=30, description="Far away task"),
            follow_up(personas.carol, due_in_days=1, description="Carol's task"),
        ],
    )
    week = my_week(personas.alice, days=30)
    assert [a.description for a in week["overdue"]] == ["Overdue call-back"]
    assert [a.description for a in week["upcoming"]] == ["Upcoming proposal"]
    client.force_login(personas.alice)
    html = page(client.get(MY_WEEK))
    assert "Overdue call-back" in html and "Upcoming proposal" in html
    assert "Far away task" not in html and "Carol&#x27;s task" not in html


def test_done_follow_ups_drop_off(personas):
    interaction = log_interaction(
        personas.alice_account, personas.alice, follow_ups=[follow_up(personas.alice, due_in_days=1)]
    )
    interaction.follow_ups.update(done_at=timezone.now())
    assert my_week(personas.alice, days=30)["upcoming"] == []


def test_my_week_includes_my_open_plan_actions(personas):
    today = timezone.localdate()
    plan = AccountPlan.objects.create(
        account=personas.alice_account, fiscal_year=2026, reviewed_at=timezone.now()
    )
    for days, status, text in [(-1, "in_progress", "Late plan step"), (2, "not_started", "Soon plan step"),
                               (2, "done", "Finished step")]:  # fmt: skip
        PlanAction.objects.create(
            plan=plan,
            description=text,
            owner=personas.alice,
            due_on=today + timedelta(days=days),
            status=status,
        )
    week = my_week(personas.alice, days=30)
    assert [a.description for a in week["plan_overdue"]] == ["Late plan step"]
    assert [a.description for a in week["plan_upcoming"]] == ["Soon plan step"]
    assert my_week(personas.bob, days=30)["plan_overdue"] == []


def test_actions_of_a_superseded_plan_stay_out_of_my_week(personas):
    today = timezone.localdate()
    old, new = (
        AccountPlan.objects.create(
            account=personas.alice_account, fiscal_year=year, reviewed_at=timezone.now()
        )
        for year in (today.year - 1, today.year)
    )
    for plan, text in ((old, "Left behind in last year's plan"), (new, "Carried into this year's plan")):
        PlanAction.objects.create(
            plan=plan, description=text, owner=personas.alice, due_on=today - timedelta(days=3)
        )

    week = my_week(personas.alice, days=30)

    assert [a.description for a in week["plan_overdue"]] == ["Carried into this year's plan"]


def test_silent_stakeholders_are_those_not_met_for_n_days(client, personas):
    account = personas.alice_account
    met = StakeholderFactory(account=account, name="Met Recently")
    old = StakeholderFactory(account=account, name="Met Long Ago")
    log_interaction(account, personas.alice, days_ago=5, their_participants=[met])
    log_interaction(account, personas.alice, days_ago=50, their_participants=[old])
    silent = {s.name for s in my_week(personas.alice, days=30)["silent"]}
    assert silent == {"Met Long Ago", "Grace Hopper"}  # Grace was never contacted
    assert {s.name for s in my_week(personas.alice, days=60)["silent"]} == {"Grace Hopper"}
    assert {s.name for s in my_week(personas.alice, days=3)["silent"]} == {
        "Grace Hopper",
        "Met Recently",
        "Met Long Ago",
    }
    client.force_login(personas.alice)
    assert "Stakeholders not contacted for 60 days" in page(client.get(MY_WEEK, {"days": "60"}))


@pytest.mark.parametrize("days", ["0", "366", "abc", "-5"])
def test_days_out_of_range_get_a_message_and_the_default(client, personas, days):
    client.force_login(personas.alice)
    html = page(client.get(MY_WEEK, {"days": days}))
    assert "showing 30" in html
    assert "Stakeholders not contacted for 30 days" in html


def test_accounts_in_firefighting_mode_are_flagged(personas):
    for days_ago, category in [(3, "escalation"), (2, "firefighting"), (1, "value_adding")]:
        log_interaction(personas.alice_account, personas.alice, days_ago=days_ago, category=category)
    # An older run of trouble no longer counts once three good interactions followed.
    healthy = AccountFactory(name="Healthy Co", owner=personas.alice)
    for days_ago, category in [
        (9, "escalation"),
        (8, "escalation"),
        (3, "relationship"),
        (2, "relationship"),
        (1, "value_adding"),
    ]:
        log_interaction(healthy, personas.alice, days_ago=days_ago, category=category)
    troubled = my_week(personas.alice, days=30)["troubled"]
    assert [account.name for account, _ in troubled] == ["Northwind Retail"]


def test_bob_never_sees_alices_interactions_in_his_week(client, personas):
    log_interaction(
        personas.alice_account,
        personas.alice,
        category="escalation",
        summary="Secret",
        follow_ups=[follow_up(personas.alice, due_in_days=1, description="Alice's secret task")],
    )
    log_interaction(personas.alice_account, personas.alice, category="firefighting")
    client.force_login(personas.bob)
    html = page(client.get(MY_WEEK))
    assert "Northwind" not in html and "Grace Hopper" not in html and "secret task" not in html
    assert "Contoso Stores" in html


def test_the_query_count_does_not_grow_with_accounts(client, personas):
    client.force_login(personas.alice)

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(MY_WEEK).status_code == 200
        return len(queries)

    log_interaction(
        personas.alice_account, personas.alice, follow_ups=[follow_up(personas.alice, due_in_days=1)]
    )
    before = count()
    for n in range(5):
        account = AccountFactory(name=f"Extra {n}", owner=personas.alice)
        person = StakeholderFactory(account=account)
        log_interaction(account, personas.alice, category="escalation", their_participants=[person],
                        follow_ups=[follow_up(personas.alice, due_in_days=-1)])  # fmt: skip
        log_interaction(account, personas.alice, category="firefighting")
    assert count() == before


def test_dave_and_admin_have_no_week(client, personas):
    for user in (personas.dave, personas.admin):
        client.force_login(user)
        assert client.get(MY_WEEK).status_code == 403
