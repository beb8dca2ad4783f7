"""The gateway against a small reference model of the Chinese wall (compliance/access.py docstring).

Hypothesis drives random sequences of staffing, crossings, exceptions, acknowledgements, reads and
the passing of time, and after every step compares what the gateway decides with the model:

- insider = on the team, or holding an approved crossing with starts <= now < ends;
- cooling off = a read of a competitor within WALL_COOLING_OFF_DAYS, lifted by an exception for this
  user and account;
- an insider must have acknowledged the account's memo within WALL_ATTESTATION_DAYS to open it;
- a crossing approval counts as a read at approval time; every allowed read is a read;
- a crossing is asked for by someone not on the team and without an approved crossing not yet ended;
- staffing (team or crossing approval) is refused when the user serves a competitor (team or active
  crossing) or read one within the cooling-off period, unless an exception is recorded.

World: accounts A, B, C, D with competitor links A–B and B–C (D competes with no one); two account
managers u0 and u1 on no team at first, and adm, an administrator, who can never join a team nor be
given a crossing, so never reads an account; dave, the compliance officer, decides.

Time-dependent rules are where a broken wall hides, so besides random steps two rules head straight
for them (serving both sides of a link and reading one, then the other; outliving a crossing by
less than a month), time jumps land on the boundaries (cooling-off and attestation, plus or minus a
second), and the test fails unless every run reached a cooling-off denial and an ended crossing.

Each person's step runs as that person, on the web role, as in a request (compliance/principal.py):
reads and requests as the user, decisions and exceptions as dave; staffing as the system.
"""

import dataclasses
import datetime

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts.models import AccountTeamMember
from accounts.services import competitor_link_create, team_member_add, team_member_remove
from accounts.tests.factories import AccountFactory, SegmentFactory, UserFactory
from compliance import access
from compliance.access import AcknowledgementRequired
from compliance.principal import acting_as, for_user
from compliance.services import acknowledgement_create, crossing_decide, crossing_request, exception_grant
from kam.roles import Role

ACCOUNTS = ("A", "B", "C", "D")
MANAGERS = ("u0", "u1")
USERS = (*MANAGERS, "adm")
LINKS = {("A", "B"), ("B", "C")}
DAY = datetime.timedelta(days=1)
SECOND = datetime.timedelta(seconds=1)
COOLING = django_settings.WALL_COOLING_OFF_DAYS
ATTESTATION = django_settings.WALL_ATTESTATION_DAYS
# Jumps in days: small steps, and the boundaries of cooling-off and attestation.
JUMPS = st.one_of(
    st.integers(0, 10),
    st.sampled_from([COOLING - 1, COOLING, COOLING + 1, ATTESTATION - 1, ATTESTATION, ATTESTATION + 1]),
)
# After a crossing's end: a second, a day, just under a month (a "grace period" would show).
PAST_THE_END = st.sampled_from([SECOND, DAY, 29 * DAY + 23 * datetime.timedelta(hours=1)])


def competitors(account: str) -> set[str]:
    return {b for a, b in LINKS if a == account} | {a for a, b in LINKS if b == account}


@dataclasses.dataclass
class Model:
    """The rules, in plain Python."""

    now: datetime.datetime
    cooling: datetime.timedelta
    attestation: datetime.timedelta
    team: set = dataclasses.field(default_factory=set)  # (user, account)
    crossings: list = dataclasses.field(default_factory=list)  # (user, account, starts, ends)
    exceptions: set = dataclasses.field(default_factory=set)  # (user, account)
    acknowledged: dict = dataclasses.field(default_factory=dict)  # (user, account) -> at
    reads: dict = dataclasses.field(default_factory=dict)  # (user, account) -> last read

    def crossing(self, user, account) -> bool:
        return any(u == user and a == account and s <= self.now < e for u, a, s, e in self.crossings)

    def cooling_off(self, user, account) -> bool:
        return any(
            self.reads.get((user, other), datetime.datetime.min.replace(tzinfo=datetime.UTC))
            > self.now - self.cooling
            for other in competitors(account)
        )

    def insider(self, user, account) -> bool:
        member = (user, account) in self.team or self.crossing(user, account)
        return member and (not self.cooling_off(user, account) or (user, account) in self.exceptions)

    def has_acknowledged(self, user, account) -> bool:
        at = self.acknowledged.get((user, account))
        return at is not None and at > self.now - self.attestation

    def visible(self, user) -> set[str]:
        return {a for a in ACCOUNTS if self.insider(user, a) and self.has_acknowledged(user, a)}

    def staffing_refused(self, user, account) -> bool:
        if user not in MANAGERS:
            return True  # not the wall: only account managers serve on teams and cross into accounts
        if (user, account) in self.exceptions:
            return False
        serves = any((user, c) in self.team or self.crossing(user, c) for c in competitors(account))
        return serves or self.cooling_off(user, account)

    def read(self, user, account) -> str:
        if not self.insider(user, account):
            return "404"
        if not self.has_acknowledged(user, account):
            return "acknowledge"
        self.mark_read(user, account)
        return "allowed"

    def mark_read(self, user, account) -> None:
        self.reads[(user, account)] = max(self.now, self.reads.get((user, account), self.now))


class Clock:
    def __init__(self, at: datetime.datetime):
        self.at = at

    def __call__(self) -> datetime.datetime:
        return self.at


class ChineseWall(RuleBasedStateMachine):
    world: dict = {}  # set by the test: the accounts, users and officer, created once
    clock: Clock | None = None
    reached: dict = {}  # set by the test: how often each time-dependent denial was checked

    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint rolled back in teardown: the database starts clean.
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.clock.at = self.world["start"]
        self.model = Model(
            now=self.clock.at,
            cooling=datetime.timedelta(days=django_settings.WALL_COOLING_OFF_DAYS),
            attestation=datetime.timedelta(days=django_settings.WALL_ATTESTATION_DAYS),
        )

    def teardown(self):
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def user(self, name):
        return self.world["users"][name]

    def account(self, name):
        return self.world["accounts"][name]

    def as_user(self, name):
        return acting_as(for_user(self.user(name)))

    def as_officer(self):
        return acting_as(for_user(self.world["officer"]))

    @rule(days=JUMPS, seconds=st.sampled_from([0, 1, -1]))
    def advance(self, days, seconds):
        # -1/+1 s lands just before and after the boundaries of reads made whole days ago.
        self.advance_by(days * DAY + seconds * SECOND)

    def advance_by(self, delta: datetime.timedelta) -> None:
        if delta < datetime.timedelta(0):
            return
        self.clock.at += delta
        self.model.now = self.clock.at

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS), acknowledge=st.booleans())
    def staff(self, user, account, acknowledge):
        if (user, account) in self.model.team:
            return
        refused = self.model.staffing_refused(user, account)
        try:
            team_member_add(
                account=self.account(account), user=self.user(user), role=AccountTeamMember.Role.MEMBER
            )
        except ValidationError as error:
            assert refused, f"staffing {user} on {account} was refused: {error}"
            return
        assert not refused, f"staffing {user} on {account} should have been refused"
        self.model.team.add((user, account))
        if acknowledge:  # most new members read the memo at once
            self.acknowledge(user, account)

    @rule(user=st.sampled_from(MANAGERS), account=st.sampled_from(ACCOUNTS[:3]))
    def staff_by_exception(self, user, account):
        """The compliance officer lets a user serve both sides: where the dynamic rule bites."""
        self.grant_exception(user, account)
        self.staff(user, account, acknowledge=True)

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS))
    def unstaff(self, user, account):
        if (user, account) not in self.model.team:
            return
        member = AccountTeamMember.objects.get(account=self.account(account), user=self.user(user))
        team_member_remove(member=member)
        self.model.team.discard((user, account))

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS))
    def acknowledge(self, user, account):
        with self.as_user(user):
            acknowledgement_create(user=self.user(user), account=self.account(account))
        self.model.acknowledged[(user, account)] = self.model.now

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS), days=st.integers(1, 90))
    def cross(self, user, account, days):
        already = any(
            u == user and a == account and self.model.now < e for u, a, _, e in self.model.crossings
        )
        if (user, account) in self.model.team or already or user not in MANAGERS:
            with pytest.raises(ValidationError), self.as_user(user):
                crossing_request(
                    user=self.user(user), account=self.account(account), reason="deal", days=days
                )
            return
        with self.as_user(user):
            request = crossing_request(
                user=self.user(user), account=self.account(account), reason="deal", days=days
            )
        refused = self.model.staffing_refused(user, account)
        try:
            with self.as_officer():
                crossing_decide(crossing=request, actor=self.world["officer"], approve=True)
        except ValidationError as error:
            assert refused, f"the crossing of {user} into {account} was refused: {error}"
            with self.as_officer():
                crossing_decide(crossing=request, actor=self.world["officer"], approve=False, note="walled")
            return
        assert not refused, f"the crossing of {user} into {account} should have been refused"
        self.model.crossings.append((user, account, self.model.now, self.model.now + days * DAY))
        self.model.mark_read(user, account)

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS))
    def grant_exception(self, user, account):
        if not competitors(account):
            with pytest.raises(ValidationError), self.as_officer():
                exception_grant(
                    user=self.user(user),
                    account=self.account(account),
                    reason="ok",
                    actor=self.world["officer"],
                )
            return
        with self.as_officer():
            exception_grant(
                user=self.user(user), account=self.account(account), reason="ok", actor=self.world["officer"]
            )
        self.model.exceptions.add((user, account))

    @rule(
        user=st.sampled_from(MANAGERS),
        link=st.sampled_from(sorted(LINKS)),
        flip=st.booleans(),
        gap=st.sampled_from([SECOND, DAY, COOLING * DAY - SECOND, COOLING * DAY + SECOND]),
    )
    def read_one_side_then_the_other(self, user, link, flip, gap):
        """Brewer-Nash itself: on both sides of a link (one by exception), read one, then the other."""
        first, second = reversed(link) if flip else link
        self.staff(user, second, acknowledge=True)
        self.staff_by_exception(user, first)
        self.read(user, first)
        self.advance_by(gap)
        self.read(user, second)

    @rule(
        user=st.sampled_from(MANAGERS),
        account=st.sampled_from(ACCOUNTS),
        days=st.integers(1, 5),
        past=PAST_THE_END,
    )
    def outlive_a_crossing(self, user, account, days, past):
        """Cross, read, and read again once the crossing has ended."""
        self.cross(user, account, days)
        self.acknowledge(user, account)
        self.read(user, account)
        self.advance_by(days * DAY + past)
        self.read(user, account)

    def _count_time_dependent_denial(self, user, account) -> None:
        model = self.model
        member = (user, account) in model.team or model.crossing(user, account)
        if member and model.cooling_off(user, account) and (user, account) not in model.exceptions:
            self.reached["cooling_off"] += 1
        ended = any(
            u == user and a == account and e <= model.now < e + 30 * DAY for u, a, _, e in model.crossings
        )
        if not member and ended:  # ended less than a month ago
            self.reached["crossing_ended"] += 1

    @rule(user=st.sampled_from(USERS), account=st.sampled_from(ACCOUNTS))
    def read(self, user, account):
        self._count_time_dependent_denial(user, account)
        expected = self.model.read(user, account)
        try:
            with self.as_user(user):
                access.get_account_for_user(self.user(user), self.account(account).pk)
            outcome = "allowed"
        except Http404:
            outcome = "404"
        except AcknowledgementRequired:
            outcome = "acknowledge"
        assert outcome == expected, f"{user} reading {account} at {self.model.now:%Y-%m-%d}"

    @invariant()
    def visible_accounts_match_the_model(self):
        for name in USERS:
            with self.as_user(name):
                actual = {account.name for account in access.visible_accounts(self.user(name))}
            assert actual == self.model.visible(name), (
                f"visible accounts of {name} at {self.model.now:%Y-%m-%d}"
            )


@pytest.mark.django_db
def test_the_gateway_behaves_like_the_reference_model(monkeypatch):
    segment = SegmentFactory(name="Retail")
    officer = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER)
    accounts = {
        name: AccountFactory(
            name=name, segment=segment, owner=UserFactory(username=f"lead{name}", role=Role.ACCOUNT_MANAGER)
        )
        for name in ACCOUNTS
    }
    for a, b in LINKS:
        competitor_link_create(account=accounts[a], competitor=accounts[b], segment=segment, actor=officer)
    users = {name: UserFactory(username=name, role=Role.ACCOUNT_MANAGER) for name in MANAGERS}
    users["adm"] = UserFactory(username="adm", role=Role.ADMINISTRATOR)
    clock = Clock(timezone.now())
    monkeypatch.setattr("compliance.access.now", clock)
    monkeypatch.setattr(ChineseWall, "clock", clock)
    reached = {"cooling_off": 0, "crossing_ended": 0}
    monkeypatch.setattr(ChineseWall, "reached", reached)
    monkeypatch.setattr(
        ChineseWall,
        "world",
        {"start": timezone.now() + DAY, "accounts": accounts, "users": users, "officer": officer},
    )
    run_state_machine_as_test(
        ChineseWall, settings=settings(max_examples=30, stateful_step_count=20, deadline=None, database=None)
    )
    assert reached["cooling_off"] > 0, "no run reached a read refused for cooling off"
    assert reached["crossing_ended"] > 0, "no run read an account in the month after a crossing into it ended"
