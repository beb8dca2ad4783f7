import time
from types import SimpleNamespace

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import Account, AccountTeamMember, Segment, Stakeholder
from accounts.signin.services import second_factor_required
from kam.roles import Role, group_name

PASSWORD = "test-pass-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.LazyAttribute(lambda u: u.username.capitalize())
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @classmethod
    def _create(cls, model_class, *args, role: Role | None = None, second_factor: bool = True, **kwargs):
        """`second_factor=False`: a user who must set up two-step sign-in has not done so yet."""
        user = super()._create(model_class, *args, **kwargs)
        if role:
            user.groups.add(Group.objects.get(name=group_name(role)))
        if role == Role.ADMINISTRATOR:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if second_factor and second_factor_required(user):
            totp_device(user)
        return user


# Two-step sign-in. ---------------------------------------------------------------------------------


def totp_device(user) -> TOTPDevice:
    """The user's confirmed authenticator, as enrolment leaves it (created if they have none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def totp_code(device: TOTPDevice) -> str:
    """The code the user's app shows now, or the next one if this one was already used."""
    device.refresh_from_db()
    while True:
        current = int((time.time() - device.t0) // device.step) + device.drift
        step = max(current, device.last_t + 1)
        if step <= current + device.tolerance:
            return f"{hotp(device.bin_key, step, digits=device.digits):0{device.digits}d}"
        time.sleep(1)


def mark_verified(client: Client, device) -> None:
    """What passing the second step leaves in the session (django_otp.login)."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class SignedInClient(Client):
    """The tests' client: `force_login` is a finished sign-in, second factor included.

    A user who must have a second factor (or has one) gets a session verified with their
    authenticator, as one who passed the code page has. Tests of the second step itself use a
    plain `django.test.Client` (the `password_only_client` fixture).
    """

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None and second_factor_required(user):
            device = totp_device(user)
        if device is not None:
            mark_verified(self, device)


class SegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Segment
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Segment {n}")


class AccountFactory(factory.django.DjangoModelFactory):
    """Accounts are created through the service, so the owner is always the team lead."""

    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    segment = factory.SubFactory(SegmentFactory)
    owner = factory.SubFactory(UserFactory, role=Role.ACCOUNT_MANAGER)
    tier = Account.Tier.STANDARD

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        account = services.account_create(**kwargs)
        acknowledge(account.owner, account)
        return account


def acknowledge(user, account) -> None:
    """Tests' insiders have read the account's wall memo (the gateway asks for it otherwise)."""
    from compliance.services import acknowledgement_create

    acknowledgement_create(user=user, account=account)


def team_member(account, user, role=AccountTeamMember.Role.MEMBER) -> AccountTeamMember:
    """Put `user` on `account`'s team, wall memo acknowledged."""
    member = services.team_member_add(account=account, user=user, role=role)
    acknowledge(user, account)
    return member


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    title = "Head of Procurement"


def persona_portfolio() -> SimpleNamespace:
    """The five personas of the issues, with alice's and bob's competing accounts."""
    alice = UserFactory(username="alice", role=Role.ACCOUNT_MANAGER)
    bob = UserFactory(username="bob", role=Role.ACCOUNT_MANAGER)
    carol = UserFactory(username="carol", role=Role.EXECUTIVE)
    dave = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER)
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR)
    segment = SegmentFactory(name="Retail")
    alice_account = AccountFactory(name="Northwind Retail", segment=segment, owner=alice, tier="key")
    bob_account = AccountFactory(name="Contoso Stores", segment=segment, owner=bob, tier="key")
    services.competitor_link_create(
        account=alice_account, competitor=bob_account, segment=segment, actor=dave
    )
    team_member(alice_account, carol, AccountTeamMember.Role.SPONSOR)
    stakeholder = StakeholderFactory(account=alice_account, name="Grace Hopper", title="CIO")
    return SimpleNamespace(
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        admin=admin,
        segment=segment,
        alice_account=alice_account,
        bob_account=bob_account,
        stakeholder=stakeholder,
    )
