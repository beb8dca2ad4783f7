"""The gateway's rules (compliance/access.py): teams, crossings, Brewer-Nash cooling off, exceptions,
acknowledgements — and `visible_accounts` agreeing with `decide` at every step.

The personas: alice leads Northwind Retail, bob leads its competitor Contoso Stores, dave is the
compliance officer; erin is an account manager on no team.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import Account, AccountTeamMember
from accounts.services import team_member_add, team_member_remove
from accounts.tests.factories import UserFactory
from compliance import access
from compliance.access import AcknowledgementRequired, decide, get_account_for_change, get_account_for_user
from compliance.models import AccessLogEntry, ReadHistory
from compliance.services import (
    acknowledgement_create,
    crossing_decide,
    crossing_request,
    exception_grant,
    exception_revoke,
)
from kam.roles import Role

DAY = datetime.timedelta(days=1)
CHANGE = "accounts.change_account"


class Clock:
    def __init__(self):
        self.at = timezone.now() + datetime.timedelta(seconds=1)

    def __call__(self) -> datetime.datetime:
        return self.at

    def advance(self, delta: datetime.timedelta) -> None:
        self.at += delta


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("compliance.access.now", clock)
    return clock


@pytest.fixture
def erin(personas):
    return UserFactory(username="erin", role=Role.ACCOUNT_MANAGER)


def assert_visible_agrees_with_decide(user) -> set[str]:
    """`visible_accounts` holds exactly the accounts `decide` lets the user open; returns their names."""
    visible = set(access.visible_accounts(user))
    for account in Account.objects.all():
        decision = decide(user, account.pk)
        opens = decision.allowed and not decision.must_acknowledge
        assert (account in visible) == opens, (account.name, decision.reason)
    return {account.name for account in visible}


def can_read(user, account) -> bool:
    try:
        get_account_for_user(user, account.pk)
    except Http404:
        return False
    return True


def join(account, user):
    return team_member_add(account=account, user=user, role=AccountTeamMember.Role.MEMBER)


def refusal_logged(account, user) -> str:
    """Adding `user` to `account`'s team is refused, naming no competitor; returns the logged reason."""
    with pytest.raises(ValidationError) as refused:
        join(account, user)
    assert refused.value.messages == [
        f"The Chinese wall keeps {user.username} off this team. A compliance officer can record an exception."
    ]
    entry = AccessLogEntry.objects.filter(object_type="team_member", object_id=str(user.pk)).latest("id")
    assert (entry.account_id, entry.outcome) == (account.pk, "denied")
    return entry.reason


def cross(user, account, officer, *, days: int = 10):
    request = crossing_request(user=user, account=account, reason="due diligence for the merger", days=days)
    return crossing_decide(crossing=request, actor=officer, approve=True)


def last_denial(user, account) -> AccessLogEntry:
    return AccessLogEntry.objects.filter(user_id=user.pk, account_id=account.pk, outcome="denied").latest(
        "id"
    )


# Static staffing rule. -----------------------------------------------------------------------------


def test_bob_cannot_join_the_team_of_the_competitor_he_serves(personas, clock):
    reason = refusal_logged(personas.alice_account, personas.bob)
    assert reason == (
        f"staffing refused: user {personas.bob.pk} serves competitor account {personas.bob_account.pk}"
    )
    assert not personas.alice_account.team.filter(user=personas.bob).exists()
    assert_visible_agrees_with_decide(personas.bob)


def test_a_recent_reader_of_contoso_cannot_join_northwind_until_the_cooling_off_ends(personas, clock, erin):
    join(personas.bob_account, erin)
    acknowledgement_create(user=erin, account=personas.bob_account)
    assert get_account_for_user(erin, personas.bob_account.pk) == personas.bob_account
    read_at = clock.at
    team_member_remove(member=personas.bob_account.team.get(user=erin))

    clock.advance(179 * DAY)
    reason = refusal_logged(personas.alice_account, erin)
    assert f"user {erin.pk} read competitor account {personas.bob_account.pk} on {read_at:%Y-%m-%d}" in reason

    clock.at = read_at + 180 * DAY + datetime.timedelta(seconds=1)
    join(personas.alice_account, erin)
    assert personas.alice_account.team.filter(user=erin).exists()


def test_an_exception_lifts_the_staffing_refusal(personas, clock, erin):
    exception_grant(
        user=personas.bob, account=personas.alice_account, reason="merger team", actor=personas.dave
    )
    join(personas.alice_account, personas.bob)
    assert personas.alice_account.team.filter(user=personas.bob).exists()


def test_an_exception_for_another_account_does_not_lift_it(personas, clock, erin):
    exception_grant(
        user=personas.bob, account=personas.bob_account, reason="merger team", actor=personas.dave
    )
    assert f"competitor account {personas.bob_account.pk}" in refusal_logged(
        personas.alice_account, personas.bob
    )


def test_an_expired_or_revoked_exception_no_longer_lifts_it(personas, clock):
    granted = exception_grant(
        user=personas.bob,
        account=personas.alice_account,
        reason="merger team",
        actor=personas.dave,
        expires_at=clock.at + 30 * DAY,
    )
    clock.advance(31 * DAY)
    assert f"competitor account {personas.bob_account.pk}" in refusal_logged(
        personas.alice_account, personas.bob
    )
    clock.at -= 31 * DAY
    exception_revoke(exception=granted, actor=personas.dave)
    assert f"competitor account {personas.bob_account.pk}" in refusal_logged(
        personas.alice_account, personas.bob
    )


def test_a_revoked_exception_no_longer_opens_a_cooling_off_account(personas, clock, erin):
    """The account page's decision (`decide`, one SQL statement) ignores revoked exceptions."""
    join(personas.alice_account, erin)
    acknowledgement_create(user=erin, account=personas.alice_account)
    exception_grant(user=erin, account=personas.bob_account, reason="merger", actor=personas.dave)
    cross(erin, personas.bob_account, personas.dave)  # a read of Contoso: Northwind cools off
    assert not can_read(erin, personas.alice_account)
    granted = exception_grant(
        user=erin, account=personas.alice_account, reason="both sides", actor=personas.dave
    )
    assert can_read(erin, personas.alice_account)

    clock.advance(datetime.timedelta(minutes=1))
    exception_revoke(exception=granted, actor=personas.dave)

    assert not decide(erin, personas.alice_account.pk).allowed
    assert not can_read(erin, personas.alice_account)
    assert last_denial(erin, personas.alice_account).reason.startswith("cooling off")
    assert_visible_agrees_with_decide(erin)


def test_a_crossing_into_a_competitor_of_the_users_account_is_refused(personas, clock):
    request = crossing_request(user=personas.bob, account=personas.alice_account, reason="curious", days=5)
    with pytest.raises(ValidationError, match="serves competitor Contoso Stores"):
        crossing_decide(crossing=request, actor=personas.dave, approve=True)
    assert not can_read(personas.bob, personas.alice_account)


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.COMPLIANCE_OFFICER])
def test_only_those_who_serve_accounts_can_be_given_a_crossing(personas, clock, role):
    # The web page needs the permission; so does the service, whoever calls it.
    outsider = UserFactory(username="olga", role=role)
    with pytest.raises(ValidationError, match="Only account managers and executives"):
        crossing_request(user=outsider, account=personas.alice_account, reason="audit", days=5)
    assert not can_read(outsider, personas.alice_account)


def test_a_crossing_for_someone_deactivated_since_asking_cannot_be_approved(personas, clock, erin):
    request = crossing_request(user=erin, account=personas.alice_account, reason="tender", days=5)
    erin.is_active = False
    erin.save(update_fields=["is_active"])
    with pytest.raises(ValidationError, match="no longer an active account manager"):
        crossing_decide(crossing=request, actor=personas.dave, approve=True)
    crossing_decide(crossing=request, actor=personas.dave, approve=False, note="Left the firm.")


# Dynamic rule (Brewer-Nash). -------------------------------------------------------------------------


def test_reading_contoso_walls_off_northwind_until_180_days_after_the_last_read(personas, clock, erin):
    join(personas.alice_account, erin)
    acknowledgement_create(user=erin, account=personas.alice_account)
    assert can_read(erin, personas.alice_account)
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail"}

    # With an exception for Contoso only, erin crosses into Contoso and reads it.
    exception_grant(user=erin, account=personas.bob_account, reason="merger", actor=personas.dave)
    cross(erin, personas.bob_account, personas.dave, days=10)
    acknowledgement_create(user=erin, account=personas.bob_account)
    clock.advance(2 * DAY)
    assert can_read(erin, personas.bob_account)
    last_contoso_read = clock.at

    # Northwind, her own account, is now walled off from her.
    assert not can_read(erin, personas.alice_account)
    assert last_denial(erin, personas.alice_account).reason.startswith(
        "cooling off: read competitor Contoso Stores"
    )
    assert assert_visible_agrees_with_decide(erin) == {"Contoso Stores"}

    clock.at = last_contoso_read + 180 * DAY - datetime.timedelta(seconds=1)
    assert not can_read(erin, personas.alice_account)
    assert assert_visible_agrees_with_decide(erin) == set()  # the crossing has ended, too

    clock.at = last_contoso_read + 180 * DAY + datetime.timedelta(seconds=1)
    assert can_read(erin, personas.alice_account)
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail"}


def test_a_crossing_approval_counts_as_a_read(personas, clock, erin):
    join(personas.alice_account, erin)
    acknowledgement_create(user=erin, account=personas.alice_account)
    exception_grant(user=erin, account=personas.bob_account, reason="merger", actor=personas.dave)
    cross(erin, personas.bob_account, personas.dave)
    # She has not opened Contoso, but the approval is recorded as a read: Northwind is walled off.
    read = ReadHistory.objects.get(user=erin, account=personas.bob_account)
    assert read.last_read_at == clock.at
    assert not can_read(erin, personas.alice_account)
    assert_visible_agrees_with_decide(erin)


def test_every_allowed_read_pushes_the_cooling_off_forward(personas, clock, erin):
    join(personas.bob_account, erin)
    acknowledgement_create(user=erin, account=personas.bob_account)
    assert can_read(erin, personas.bob_account)
    clock.advance(100 * DAY)
    assert can_read(erin, personas.bob_account)
    second_read = clock.at
    team_member_remove(member=personas.bob_account.team.get(user=erin))
    assert ReadHistory.objects.get(user=erin, account=personas.bob_account).last_read_at == second_read

    clock.advance(100 * DAY)  # 200 days after the first read, 100 after the second
    assert f"read competitor account {personas.bob_account.pk}" in refusal_logged(
        personas.alice_account, erin
    )
    clock.at = second_read + 181 * DAY
    join(personas.alice_account, erin)


def test_a_denied_read_does_not_count_as_a_read(personas, clock, erin):
    assert not can_read(erin, personas.bob_account)
    join(personas.alice_account, erin)  # no cooling off: she never read Contoso
    assert not ReadHistory.objects.filter(user=erin).exists()


def test_staff_on_both_sides_by_exception_read_one_side_at_a_time(personas, clock, erin):
    join(personas.bob_account, erin)
    acknowledgement_create(user=erin, account=personas.bob_account)
    exception_grant(user=erin, account=personas.alice_account, reason="merger", actor=personas.dave)
    join(personas.alice_account, erin)
    acknowledgement_create(user=erin, account=personas.alice_account)
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail", "Contoso Stores"}
    assert can_read(erin, personas.bob_account)
    # The exception is for Northwind: reading Contoso does not wall it off ...
    assert can_read(erin, personas.alice_account)
    # ... but reading Northwind walls off Contoso, which has no exception.
    assert not can_read(erin, personas.bob_account)
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail"}


# Acknowledgements. ----------------------------------------------------------------------------------


def test_an_insider_must_acknowledge_the_memo_before_first_access(personas, clock, erin):
    join(personas.alice_account, erin)
    with pytest.raises(AcknowledgementRequired) as raised:
        get_account_for_user(erin, personas.alice_account.pk)
    assert raised.value.account == personas.alice_account
    assert last_denial(erin, personas.alice_account).reason == "wall memo not acknowledged"
    assert assert_visible_agrees_with_decide(erin) == set()
    assert not ReadHistory.objects.filter(user=erin).exists()

    acknowledgement_create(user=erin, account=personas.alice_account)
    assert get_account_for_user(erin, personas.alice_account.pk) == personas.alice_account
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail"}


def test_the_acknowledgement_must_be_renewed_yearly(personas, clock, erin):
    join(personas.alice_account, erin)
    acknowledgement_create(user=erin, account=personas.alice_account)
    clock.advance(364 * DAY)
    assert can_read(erin, personas.alice_account)
    clock.advance(2 * DAY)  # the acknowledgement is 366 days old
    with pytest.raises(AcknowledgementRequired):
        get_account_for_user(erin, personas.alice_account.pk)
    assert assert_visible_agrees_with_decide(erin) == set()
    acknowledgement_create(user=erin, account=personas.alice_account)
    assert can_read(erin, personas.alice_account)


def test_an_outsider_gets_404_not_the_memo(personas, clock):
    # bob has never acknowledged Northwind's memo, but must not learn it exists.
    with pytest.raises(Http404):
        get_account_for_user(personas.bob, personas.alice_account.pk)


# Crossings. -----------------------------------------------------------------------------------------


def test_a_crossing_gives_read_access_only_and_ends(personas, clock, erin):
    crossing = cross(erin, personas.alice_account, personas.dave, days=10)
    acknowledgement_create(user=erin, account=personas.alice_account)
    assert get_account_for_user(erin, personas.alice_account.pk) == personas.alice_account
    assert assert_visible_agrees_with_decide(erin) == {"Northwind Retail"}
    with pytest.raises(PermissionDenied):
        get_account_for_change(erin, personas.alice_account.pk, CHANGE)
    assert last_denial(erin, personas.alice_account).reason == "a wall crossing gives read access only"

    clock.at = crossing.ends_at
    with pytest.raises(Http404):
        get_account_for_user(erin, personas.alice_account.pk)
    with pytest.raises(Http404):
        get_account_for_change(erin, personas.alice_account.pk, CHANGE)
    assert assert_visible_agrees_with_decide(erin) == set()


def test_team_members_may_change_and_outsiders_get_404_not_403(personas, clock):
    assert get_account_for_change(personas.alice, personas.alice_account.pk, CHANGE) == personas.alice_account
    with pytest.raises(Http404):
        get_account_for_change(personas.bob, personas.alice_account.pk, CHANGE)


def test_a_sponsor_without_the_change_permission_gets_403(personas, clock):
    with pytest.raises(PermissionDenied):
        get_account_for_change(personas.carol, personas.alice_account.pk, CHANGE)
    assert last_denial(personas.carol, personas.alice_account).reason == f"missing permission {CHANGE}"


def test_inactive_users_and_bad_ids_get_404(personas, clock):
    with pytest.raises(Http404):
        get_account_for_user(personas.alice, "not-a-number")
    personas.alice.is_active = False
    personas.alice.save(update_fields=["is_active"])
    with pytest.raises(Http404):
        get_account_for_user(personas.alice, personas.alice_account.pk)
    assert list(access.visible_accounts(personas.alice)) == []


@pytest.mark.parametrize("who", ["alice", "bob", "carol", "dave", "admin"])
def test_visible_accounts_agrees_with_decide_for_every_persona(personas, clock, who):
    expected = {
        "alice": {"Northwind Retail"},
        "bob": {"Contoso Stores"},
        "carol": {"Northwind Retail"},
        "dave": set(),
        "admin": set(),
    }[who]
    assert assert_visible_agrees_with_decide(getattr(personas, who)) == expected
