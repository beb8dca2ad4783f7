"""Interaction pages as the personas meet them: the wall, the author rule, htmx, the timeline."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import StakeholderFactory
from relationships.models import Interaction
from relationships.tests.factories import log_interaction


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


def url(name: str, account, **kwargs) -> str:
    return reverse(f"relationships:{name}", kwargs={"account_id": account.pk, **kwargs})


def page(response) -> str:
    return response.content.decode()


def quick_data(personas, **overrides) -> dict:
    data = {
        "quick-occurred_on": timezone.localdate().isoformat(),
        "quick-channel": "call",
        "quick-category": "value_adding",
        "quick-sentiment": "1",
        "quick-summary": "Walked them through the new analytics offer.",
        "quick-their_participants": [personas.stakeholder.pk],
    }
    data.update(overrides)
    return data


def full_data(personas, **overrides) -> dict:
    data = {
        "occurred_on": timezone.localdate().isoformat(),
        "channel": "meeting",
        "category": "firefighting",
        "summary": "Outage post-mortem.",
        "sentiment": "-1",
        "effort_hours": "3.5",
        "work_type": "support",
        "should_have_been_charged": "on",
        "our_participants": [personas.alice.pk, personas.carol.pk],
        "their_participants": [personas.stakeholder.pk],
        "follow_up_description": "Send the root-cause report",
        "follow_up_owner": personas.alice.pk,
        "follow_up_due_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
    }
    data.update(overrides)
    return data


# Quick log, with and without htmx ---------------------------------------------------------------


def test_htmx_quick_log_returns_the_panel_fragment_and_saves(as_alice, personas):
    response = as_alice.post(
        url("interaction_quick_log", personas.alice_account), quick_data(personas), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = page(response)
    assert 'id="interactions-panel"' in html
    assert "<html" not in html and "<nav" not in html  # a fragment, not the page
    assert "logged" in html and "Walked them through" in html
    interaction = Interaction.objects.get()
    assert interaction.author == personas.alice
    assert list(interaction.our_participants.all()) == [personas.alice]
    assert list(interaction.their_participants.all()) == [personas.stakeholder]


def test_htmx_quick_log_with_errors_returns_the_fragment_with_messages(as_alice, personas):
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = as_alice.post(
        url("interaction_quick_log", personas.alice_account),
        quick_data(personas, **{"quick-occurred_on": future}),
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "cannot be in the future" in page(response)
    assert "<html" not in page(response)
    assert not Interaction.objects.exists()


def test_quick_log_without_javascript_posts_and_redirects(as_alice, personas):
    response = as_alice.post(url("interaction_quick_log", personas.alice_account), quick_data(personas))
    assert response.status_code == 302
    assert response.url == reverse("accounts:detail", args=[personas.alice_account.pk])
    assert Interaction.objects.count() == 1


def test_quick_log_without_javascript_shows_errors_and_keeps_the_input(as_alice, personas):
    data = quick_data(personas, **{"quick-summary": "x" * 4001})
    response = as_alice.post(url("interaction_quick_log", personas.alice_account), data)
    assert response.status_code == 200
    assert "at most 4000 characters" in page(response)
    assert not Interaction.objects.exists()


def test_the_account_page_has_the_quick_log_form_and_local_htmx(as_alice, personas):
    html = page(as_alice.get(reverse("accounts:detail", args=[personas.alice_account.pk])))
    assert 'hx-post="/accounts/' in html
    assert "/static/django_htmx/htmx-2.min.js" in html
    assert "Stakeholders CSV import" in html


# The full form ---------------------------------------------------------------------------------


def test_full_form_logs_everything_with_a_follow_up(as_alice, personas):
    response = as_alice.post(url("interaction_create", personas.alice_account), full_data(personas))
    assert response.status_code == 302
    interaction = Interaction.objects.get()
    assert interaction.should_have_been_charged and str(interaction.effort_hours) == "3.50"
    assert set(interaction.our_participants.all()) == {personas.alice, personas.carol}
    assert interaction.follow_ups.get().description == "Send the root-cause report"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_on", "2999-01-01", "cannot be in the future"),
        ("effort_hours", "-2", "Effort cannot be negative"),
        ("summary", "y" * 4001, "at most 4000 characters"),
        ("follow_up_owner", "", "needs a description, an owner and a due date"),
    ],
)
def test_full_form_bad_input_gets_a_clear_message_and_writes_nothing(
    as_alice, personas, field, value, message
):
    response = as_alice.post(
        url("interaction_create", personas.alice_account), full_data(personas, **{field: value})
    )
    assert response.status_code == 200
    assert message in page(response)
    assert not Interaction.objects.exists()


def test_a_stakeholder_of_bobs_account_is_refused(as_alice, personas):
    bobs_person = StakeholderFactory(account=personas.bob_account, name="Linus Torvalds")
    data = full_data(personas, their_participants=[bobs_person.pk])
    response = as_alice.post(url("interaction_create", personas.alice_account), data)
    assert response.status_code == 200
    assert "Select a valid choice" in page(response)
    assert "Linus Torvalds" not in page(response)
    assert not Interaction.objects.exists()


def test_an_unknown_stakeholder_is_refused(as_alice, personas):
    data = full_data(personas, their_participants=[999999])
    response = as_alice.post(url("interaction_create", personas.alice_account), data)
    assert "Select a valid choice" in page(response)
    assert not Interaction.objects.exists()


# Author-only edit and delete; 404 for outsiders ------------------------------------------------


def test_only_the_author_may_edit_or_delete(client, personas):
    interaction = log_interaction(personas.alice_account, personas.alice)
    kwargs = {"interaction_id": interaction.pk}
    # carol is on the team but not the author (and may not change interactions): 403.
    client.force_login(personas.carol)
    assert client.get(url("interaction_edit", personas.alice_account, **kwargs)).status_code == 403
    assert client.post(url("interaction_delete", personas.alice_account, **kwargs)).status_code == 403
    client.force_login(personas.alice)
    edit = full_data(personas, summary="Corrected summary")
    assert client.post(url("interaction_edit", personas.alice_account, **kwargs), edit).status_code == 302
    interaction.refresh_from_db()
    assert interaction.summary == "Corrected summary"
    confirm = client.get(url("interaction_delete", personas.alice_account, **kwargs))
    assert "This cannot be undone" in page(confirm)
    assert client.post(url("interaction_delete", personas.alice_account, **kwargs)).status_code == 302
    assert not Interaction.objects.exists()


def test_a_team_member_who_is_not_the_author_gets_403(client, personas, make_user):
    from accounts.tests.factories import team_member
    from kam.roles import Role

    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    team_member(personas.alice_account, erin)
    interaction = log_interaction(personas.alice_account, personas.alice)
    client.force_login(erin)
    kwargs = {"interaction_id": interaction.pk}
    assert client.get(url("interaction_edit", personas.alice_account, **kwargs)).status_code == 403
    assert client.get(url("interaction_delete", personas.alice_account, **kwargs)).status_code == 403
    assert client.get(url("interaction_detail", personas.alice_account, **kwargs)).status_code == 200


@pytest.mark.parametrize(
    ("name", "method", "needs_interaction"),
    [
        ("interaction_list", "get", False),
        ("interaction_create", "get", False),
        ("interaction_quick_log", "post", False),
        ("interaction_export", "get", False),
        ("interaction_import", "get", False),
        ("stakeholder_import", "get", False),
        ("interaction_detail", "get", True),
        ("interaction_edit", "get", True),
        ("interaction_delete", "post", True),
        ("follow_up_add", "post", True),
    ],
)
def test_bob_gets_404_on_every_interaction_url_of_alices_account(
    client, personas, name, method, needs_interaction
):
    interaction = log_interaction(personas.alice_account, personas.alice, summary="Secret pricing talk")
    kwargs = {"interaction_id": interaction.pk} if needs_interaction else {}
    client.force_login(personas.bob)
    response = getattr(client, method)(url(name, personas.alice_account, **kwargs), HTTP_HX_REQUEST="true")
    assert response.status_code == 404
    assert "Secret pricing" not in page(response) and "Northwind" not in page(response)
    assert Interaction.objects.count() == 1


def test_an_interaction_of_bobs_account_is_404_under_alices(as_alice, personas):
    bobs = log_interaction(personas.bob_account, personas.bob)
    response = as_alice.get(url("interaction_detail", personas.alice_account, interaction_id=bobs.pk))
    assert response.status_code == 404


# Follow-ups --------------------------------------------------------------------------------------


def test_follow_ups_are_added_and_ticked_off(as_alice, personas):
    interaction = log_interaction(personas.alice_account, personas.alice)
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    add = url("follow_up_add", personas.alice_account, interaction_id=interaction.pk)
    as_alice.post(add, {"description": "Book the QBR", "owner": personas.carol.pk, "due_on": due})
    action = interaction.follow_ups.get()
    assert action.owner == personas.carol
    done = url(
        "follow_up_done", personas.alice_account, interaction_id=interaction.pk, follow_up_id=action.pk
    )
    assert as_alice.post(done, {"next": "my-week"}).url == reverse("relationships:my_week")
    action.refresh_from_db()
    assert action.done_at is not None


def test_a_follow_up_owner_outside_the_team_is_refused(as_alice, personas):
    interaction = log_interaction(personas.alice_account, personas.alice)
    due = timezone.localdate().isoformat()
    add = url("follow_up_add", personas.alice_account, interaction_id=interaction.pk)
    response = as_alice.post(add, {"description": "x", "owner": personas.bob.pk, "due_on": due}, follow=True)
    assert "Follow-up not added" in page(response)
    assert not interaction.follow_ups.exists()


# Timeline ---------------------------------------------------------------------------------------


def test_the_timeline_shows_an_empty_state(as_alice, personas):
    response = as_alice.get(url("interaction_list", personas.alice_account))
    assert "No interactions logged for Northwind Retail yet" in page(response)


def test_the_timeline_filters_by_category_channel_person_and_dates(as_alice, personas):
    account = personas.alice_account
    other = StakeholderFactory(account=account, name="Ada Lovelace")
    log_interaction(account, personas.alice, days_ago=1, category="firefighting", summary="Fire A")
    log_interaction(
        account, personas.alice, days_ago=20, channel="email", summary="Mail B", their_participants=[other]
    )
    log_interaction(account, personas.alice, days_ago=40, summary="Old C", our_participants=[personas.carol])
    timeline = url("interaction_list", account)

    def shown(**query) -> set[str]:
        html = page(as_alice.get(timeline, query))
        return {s for s in ("Fire A", "Mail B", "Old C") if s in html}

    assert shown() == {"Fire A", "Mail B", "Old C"}
    assert shown(category="firefighting") == {"Fire A"}
    assert shown(channel="email") == {"Mail B"}
    assert shown(person=f"s{other.pk}") == {"Mail B"}
    assert shown(person=f"u{personas.carol.pk}") == {"Old C"}
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert shown(date_from=since) == {"Fire A", "Mail B"}
    assert shown(date_to=since) == {"Old C"}
    assert "No interactions match these filters" in page(as_alice.get(timeline, {"channel": "qbr"}))


def test_the_timeline_pages_by_25_in_constant_queries(as_alice, personas, django_assert_max_num_queries):
    for day in range(30):
        log_interaction(
            personas.alice_account,
            personas.alice,
            days_ago=day + 1,
            their_participants=[personas.stakeholder],
        )
    # 21: one of them is the second-factor check an account manager without an authenticator costs.
    with django_assert_max_num_queries(21):
        first = page(as_alice.get(url("interaction_list", personas.alice_account)))
    assert "Page 1 of 2" in first
    assert first.count(f'href="/accounts/{personas.alice_account.pk}/interactions/') >= 25


def test_the_relationship_check_warns_on_the_account_page(as_alice, personas):
    for days_ago, category in [(3, "relationship"), (2, "escalation"), (1, "unvalued")]:
        log_interaction(personas.alice_account, personas.alice, days_ago=days_ago, category=category)
    html = page(as_alice.get(reverse("accounts:detail", args=[personas.alice_account.pk])))
    assert 'data-testid="trouble-warning"' in html
    assert "Escalation (trouble)" in html and "Relationship building" in html


def test_no_warning_when_the_relationship_is_healthy(as_alice, personas):
    log_interaction(personas.alice_account, personas.alice, category="escalation")
    log_interaction(personas.alice_account, personas.alice, category="value_adding")
    html = page(as_alice.get(reverse("accounts:detail", args=[personas.alice_account.pk])))
    assert 'data-testid="trouble-warning"' not in html
