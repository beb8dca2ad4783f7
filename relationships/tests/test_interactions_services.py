"""Interaction services: every rule holds for every caller, and bad input writes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.tests.factories import StakeholderFactory
from relationships.interactions import services
from relationships.interactions.selectors import in_trouble, relationship_check
from relationships.models import FollowUpAction, Interaction
from relationships.tests.factories import follow_up, log_interaction


def test_logging_records_both_sides_and_the_follow_ups(personas):
    interaction = log_interaction(
        personas.alice_account,
        personas.alice,
        our_participants=[personas.alice, personas.carol],
        their_participants=[personas.stakeholder],
        effort_hours=Decimal("2.5"),
        should_have_been_charged=True,
        follow_ups=[follow_up(personas.carol, due_in_days=5)],
    )
    assert set(interaction.our_participants.all()) == {personas.alice, personas.carol}
    assert list(interaction.their_participants.all()) == [personas.stakeholder]
    assert interaction.follow_ups.get().owner == personas.carol


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"occurred_on": timezone.localdate() + timedelta(days=1)}, "occurred_on"),
        ({"effort_hours": Decimal("-1")}, "effort_hours"),
        ({"summary": "x" * 4001}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"work_type": "chargeable", "should_have_been_charged": True}, "should_have_been_charged"),
        ({"category": "gossip"}, "category"),
    ],
    ids=["future-date", "negative-hours", "oversized-summary", "blank-summary", "charged-flag", "category"],
)
def test_bad_input_is_refused_and_writes_nothing(personas, fields, field):
    with pytest.raises(ValidationError) as refused:
        log_interaction(personas.alice_account, personas.alice, **fields)
    assert field in refused.value.error_dict
    assert not Interaction.objects.exists()


def test_a_stakeholder_of_another_account_cannot_take_part(personas):
    bobs_person = StakeholderFactory(account=personas.bob_account, name="Linus")
    with pytest.raises(ValidationError, match="Only stakeholders of this account"):
        log_interaction(personas.alice_account, personas.alice, their_participants=[bobs_person])
    assert not Interaction.objects.exists()


def test_only_the_account_team_takes_part_on_our_side(personas):
    with pytest.raises(ValidationError, match="Not on this account's team: bob"):
        log_interaction(personas.alice_account, personas.alice, our_participants=[personas.bob])


def test_an_outsider_cannot_author(personas):
    with pytest.raises(ValidationError):
        log_interaction(personas.alice_account, personas.bob, our_participants=[])


def test_a_follow_up_owner_must_be_on_the_team_and_nothing_is_half_written(personas):
    with pytest.raises(ValidationError, match="owner must be on this account's team"):
        log_interaction(
            personas.alice_account, personas.alice, follow_ups=[follow_up(personas.bob, due_in_days=1)]
        )
    assert not Interaction.objects.exists()
    assert not FollowUpAction.objects.exists()


def test_only_the_author_updates_or_deletes(personas):
    interaction = log_interaction(personas.alice_account, personas.alice)
    with pytest.raises(PermissionDenied):
        services.interaction_update(interaction=interaction, actor=personas.carol, summary="Rewritten")
    with pytest.raises(PermissionDenied):
        services.interaction_delete(interaction=interaction, actor=personas.carol)
    services.interaction_update(interaction=interaction, actor=personas.alice, summary="Rewritten")
    interaction.refresh_from_db()
    assert interaction.summary == "Rewritten"
    services.interaction_delete(interaction=interaction, actor=personas.alice)
    assert not Interaction.objects.exists()


def test_update_refuses_a_future_date(personas):
    interaction = log_interaction(personas.alice_account, personas.alice)
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.interaction_update(
            interaction=interaction,
            actor=personas.alice,
            occurred_on=timezone.localdate() + timedelta(days=2),
        )
    interaction.refresh_from_db()
    assert interaction.occurred_on < timezone.localdate()


def test_completing_a_follow_up_stamps_it_once(personas):
    interaction = log_interaction(
        personas.alice_account, personas.alice, follow_ups=[follow_up(personas.alice, due_in_days=1)]
    )
    action = interaction.follow_ups.get()
    services.follow_up_complete(follow_up=action)
    first = action.done_at
    services.follow_up_complete(follow_up=action)
    assert first is not None and action.done_at == first


@pytest.mark.parametrize(
    ("categories", "warned"),
    [
        (["firefighting", "escalation", "relationship"], True),
        (["unvalued", "value_adding", "firefighting"], True),
        (["firefighting", "relationship", "value_adding"], False),
        (["firefighting"], False),
        ([], False),
    ],
)
def test_most_of_the_last_three_in_trouble_warns(categories, warned):
    assert in_trouble(categories) is warned


def test_the_relationship_check_looks_at_the_last_three_only(personas):
    account = personas.alice_account
    for days_ago, category in [
        (9, "relationship"),
        (3, "firefighting"),
        (2, "value_adding"),
        (1, "escalation"),
    ]:
        log_interaction(account, personas.alice, days_ago=days_ago, category=category)
    check = relationship_check(account)
    assert [i.category for i in check["last"]] == ["escalation", "value_adding", "firefighting"]
    assert check["in_trouble"] is True


def test_a_stakeholders_last_contact_follows_logging_editing_and_deleting(personas):
    grace = personas.stakeholder
    recent = log_interaction(personas.alice_account, personas.alice, days_ago=3, their_participants=[grace])
    log_interaction(personas.alice_account, personas.alice, days_ago=40, their_participants=[grace])
    grace.refresh_from_db()
    assert grace.last_contact_on == timezone.localdate() - timedelta(days=3)

    services.interaction_update(interaction=recent, actor=personas.alice, their_participants=[])
    grace.refresh_from_db()
    assert grace.last_contact_on == timezone.localdate() - timedelta(days=40)

    for interaction in Interaction.objects.filter(their_participants=grace):
        services.interaction_delete(interaction=interaction, actor=personas.alice)
    grace.refresh_from_db()
    assert grace.last_contact_on is None
