"""Builds the demo portfolio through accounts/services.py, the same on every run."""

import datetime
import random
from collections import Counter, defaultdict

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import timezone
from django.utils.text import slugify

from accounts import services
from accounts.models import Account, AccountTeamMember, Segment, Stakeholder
from compliance.models import WallAcknowledgement
from compliance.services import memo_text
from demo import data, plans, revenue
from kam.roles import Role, group_name

SEED = 2024
User = get_user_model()
TeamRole = AccountTeamMember.Role
PERSONAS = {"alice", "bob", "carol", "dave", "admin"}  # the README's personas: all acknowledged

ORIENTATION_WEIGHTS = {  # tier -> weights of partnership, balanced, price only
    "key": (3, 2, 1),
    "strategic": (2, 2, 1),
    "standard": (1, 2, 2),
}
SPONSOR_CHANCE = {"key": 1.0, "strategic": 0.7, "standard": 0.3}
ATTITUDE_WEIGHTS = (2, 3, 3, 2, 1)  # champion .. blocker: most people are in the middle


def refusal_reason() -> str | None:
    """Why the demo must not be seeded here (never duplicate data), or None if it may."""
    # No user is behind a management command, so there is no gateway to ask; this reads no content.
    if Account.objects.exists():
        return "the database already has accounts"
    usernames = [spec.username for spec in (*data.USERS, *data.NEWCOMERS)]
    taken = User.objects.filter(username__in=usernames).order_by("username")
    if taken.exists():
        return "demo usernames are taken: " + ", ".join(taken.values_list("username", flat=True))
    return None


def competitor_map() -> dict[str, set[str]]:
    competitors: dict[str, set[str]] = defaultdict(set)
    for first, second, _segment in data.COMPETITORS:
        competitors[first].add(second)
        competitors[second].add(first)
    return competitors


class DemoBuilder:
    """Plans and writes the portfolio in one pass; every random choice comes from one seeded RNG."""

    def __init__(self, *, password: str) -> None:
        self.password = password
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not security
        self.competitors = competitor_map()
        self.users: dict[str, User] = {}
        self.segments: dict[str, Segment] = {}
        self.accounts: dict[str, Account] = {}
        self.teams: dict[str, dict[str, str]] = {}  # account name -> username -> team role
        self.counts: Counter[str] = Counter()

    def build(self) -> Counter[str]:
        self._create_users()
        self._create_segments()
        for row in data.ACCOUNTS:
            self._create_account(row)
        self._link_competitors()
        # carol sponsors alice's account before anyone is staffed, so no competitor can claim her.
        self._join(data.ALICE_ACCOUNT, data.CAROL, TeamRole.SPONSOR)
        for row in data.ACCOUNTS:
            self._staff_team(row)
        self._acknowledge_walls()
        for row in data.ACCOUNTS:
            self._add_forces(row)
            self._add_stakeholders(row)
        revenue.add_history(self)  # two years of revenue and interactions
        plans.add_plans_and_follow_ups(self)  # key-account plans and follow-ups: the daily work
        revenue.add_scores()  # the nightly snapshots, last, so they see everything above
        return self.counts

    def _weighted(self, options: list[str], weights: tuple[int, ...]) -> str:
        return self.rng.choices(options, weights=weights)[0]

    def _usernames(self, role: Role) -> list[str]:
        return [spec.username for spec in data.USERS if spec.role == role]

    def _create_users(self) -> None:
        groups = {role: Group.objects.get(name=group_name(role)) for role in Role}
        # One hash for all: the demo password is shared anyway, and PBKDF2 per user costs seconds.
        hashed = make_password(self.password) if self.password else None
        for spec in (*data.USERS, *data.NEWCOMERS):
            user = User.objects.create_user(
                username=spec.username,
                email=f"{spec.username}@kam.example",
                password=None,
                first_name=spec.first_name,
                last_name=spec.last_name,
                is_staff=spec.role == Role.ADMINISTRATOR,
            )
            if hashed:
                user.password = hashed
                user.save(update_fields=["password"])
            user.groups.add(groups[spec.role])
            self.users[spec.username] = user
        self.counts["users"] = len(self.users)

    def _create_segments(self) -> None:
        # Segments are shared reference data: reuse one an administrator already created.
        existing = {segment.name.lower(): segment for segment in Segment.objects.all()}
        for name, text in data.SEGMENTS.items():
            segment = existing.get(name.lower())
            if segment is None:
                segment = services.segment_create(name=name, description=text.description)
            self.segments[name] = segment
        self.counts["segments"] = len(self.segments)

    def _may_join(self, username: str, account_name: str) -> bool:
        """The wall's rule for the demo: nobody sits on two competing teams; alice and bob never meet."""
        team = self.teams.get(account_name, {})
        if username in team:
            return False
        if any(username in self.teams.get(other, {}) for other in self.competitors[account_name]):
            return False
        return not (username in data.RIVALS and (data.RIVALS - {username}) & team.keys())

    def _pick_owner(self, row: data.DemoAccount) -> str:
        if row.owner:
            return row.owner
        candidates = [u for u in self._usernames(Role.ACCOUNT_MANAGER) if self._may_join(u, row.name)]
        load = Counter(account.owner.username for account in self.accounts.values())
        fewest = min(load[u] for u in candidates)
        return self.rng.choice([u for u in candidates if load[u] == fewest])

    def _create_account(self, row: data.DemoAccount) -> None:
        owner = self._pick_owner(row)
        orientation = self._weighted(list(data.RELATIONSHIP_WORDS), ORIENTATION_WEIGHTS[row.tier])
        self.accounts[row.name] = services.account_create(
            name=row.name,
            segment=self.segments[row.segment],
            owner=self.users[owner],
            tier=row.tier,
            relationship_word=self.rng.choice(data.RELATIONSHIP_WORDS[orientation]),
            orientation=orientation,
            context=self._context(row),
        )
        self.teams[row.name] = {owner: TeamRole.LEAD}
        self.counts["accounts"] += 1
        self.counts[row.tier] += 1
        self.counts["team members"] += 1

    def _context(self, row: data.DemoAccount) -> dict[str, str]:
        text = data.SEGMENTS[row.segment]
        rank, trend = self.rng.choice(data.RANKS), self.rng.choice(text.trends)
        context = {
            "market_position": f"{rank} {text.market}; {trend}.",
            "other_competitors": ", ".join(self.rng.sample(text.rivals, self.rng.randint(2, 3))),
        }
        for months in (3, 6, 12, 18):
            options = text.strategies[months] + data.COMMON_STRATEGIES[months]
            context[f"strategy_{months}m"] = ". ".join(self.rng.sample(options, 2)) + "."
        return context

    def _link_competitors(self) -> None:
        for first, second, segment in data.COMPETITORS:
            services.competitor_link_create(
                account=self.accounts[first],
                competitor=self.accounts[second],
                segment=self.segments[segment],
                actor=self.users["dave"],  # the compliance officer keeps the competitor graph
                note=data.LINK_NOTES[segment],
            )
            self.counts["competitor links"] += 1

    def _join(self, account_name: str, username: str, role: str) -> None:
        services.team_member_add(account=self.accounts[account_name], user=self.users[username], role=role)
        self.teams[account_name][username] = role
        self.counts["team members"] += 1

    def _staff_team(self, row: data.DemoAccount) -> None:
        for _ in range(self.rng.choice((0, 1, 1, 2))):
            self._join_one_of(row.name, Role.ACCOUNT_MANAGER, TeamRole.MEMBER)
        has_sponsor = TeamRole.SPONSOR in self.teams[row.name].values()
        if not has_sponsor and self.rng.random() < SPONSOR_CHANCE[row.tier]:
            self._join_one_of(row.name, Role.EXECUTIVE, TeamRole.SPONSOR)

    def _join_one_of(self, account_name: str, role: Role, team_role: str) -> None:
        # Candidates are re-checked on every join: the previous join may have ruled some out.
        candidates = [u for u in self._usernames(role) if self._may_join(u, account_name)]
        if candidates:
            self._join(account_name, self.rng.choice(candidates), team_role)

    def _acknowledge_walls(self) -> None:
        """Every insider acknowledged their account's wall memo within the year, bar one (renewal due)."""
        now = timezone.now()
        rng = random.Random("kam-demo-walls")  # noqa: S311 - demo data; its own stream keeps the rest as it was
        acknowledgements = [
            WallAcknowledgement(
                user=self.users[username],
                account=self.accounts[name],
                acknowledged_at=now - datetime.timedelta(days=rng.randint(5, 300)),
                memo_text=memo_text(self.accounts[name]),
            )
            for name, team in self.teams.items()
            for username in sorted(team)
        ]
        overdue = [a for a in acknowledgements if a.user.username not in PERSONAS]
        if overdue:
            rng.choice(overdue).acknowledged_at = now - datetime.timedelta(days=400)
        WallAcknowledgement.objects.bulk_create(acknowledgements)
        self.counts["wall acknowledgements"] += len(acknowledgements)

    def _add_forces(self, row: data.DemoAccount) -> None:
        for kind in self.rng.sample(list(data.FORCES), self.rng.randint(1, 3)):
            impact, description = self.rng.choice(data.FORCES[kind])
            services.business_force_create(
                account=self.accounts[row.name], kind=kind, impact=impact, description=description
            )
            self.counts["business forces"] += 1

    def _add_stakeholders(self, row: data.DemoAccount) -> None:
        """An org chart: a C-level root, one to three VPs under it, managers under the VPs."""
        count = self.rng.randint(4, 8)
        # Spans of control stay plausible: about one VP per three people, never more than three.
        vp_count = self.rng.randint(max(1, (count - 1) // 3), min(3, count - 2))
        people = zip(
            self.rng.sample(data.FIRST_NAMES, count),
            self.rng.sample(data.LAST_NAMES, count),
            [
                self.rng.choice(data.C_LEVEL),
                *self.rng.sample(data.VP_TITLES, vp_count),
                *self.rng.sample(data.MANAGER_TITLES, count - 1 - vp_count),
            ],
            strict=True,
        )
        team = self.teams[row.name]
        sponsor = next((u for u, role in team.items() if role == TeamRole.SPONSOR), None)
        # The sponsor owns the relationship with the top; account managers own everyone else.
        root = self._stakeholder(row, next(people), None, Stakeholder.Influence.DECISION_MAKER, sponsor)
        vps = [
            self._stakeholder(row, next(people), root, self.rng.choice((3, 3, 4)), None)
            for _ in range(vp_count)
        ]
        for person in people:
            self._stakeholder(row, person, self.rng.choice(vps), self.rng.choice((1, 2, 2)), None)

    def _stakeholder(
        self,
        row: data.DemoAccount,
        person: tuple[str, str, str],
        manager: Stakeholder | None,
        influence: int,
        owner: str | None,
    ) -> Stakeholder:
        first, last, title = person
        managers = [u for u, role in self.teams[row.name].items() if role != TeamRole.SPONSOR]
        owner = owner or self.rng.choice(managers)
        notes = self.rng.choice(data.STAKEHOLDER_NOTES) if self.rng.random() < 0.4 else ""
        stakeholder = services.stakeholder_create(
            account=self.accounts[row.name],
            name=f"{first} {last}",
            title=title,
            reports_to=manager,
            influence=influence,
            attitude=self._weighted(Stakeholder.Attitude.values, ATTITUDE_WEIGHTS),
            email=f"{first}.{last}@{slugify(row.name)}.example".lower(),
            phone=f"+1 555 01{self.rng.randrange(100):02d}",  # the range reserved for fiction
            notes=notes,
            relationship_owner=self.users[owner],
        )
        self.counts["stakeholders"] += 1
        return stakeholder
