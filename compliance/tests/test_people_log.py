"""Every change of who may do what reaches the access log: roles, permissions, passwords, powers,
activation and account teams, with ids and field names, never a password or its hash; and so does
every staffing refusal, whose reason only compliance officers see."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from accounts.tests.factories import PASSWORD, AccountFactory, UserFactory
from accounts.tests.test_admin_users import form_of, post_data, user_url
from compliance import access
from compliance.console.log.selectors import many_accounts_in_a_day, who_saw
from compliance.models import AccessLogEntry
from kam.roles import Role, group_name

User = get_user_model()
NEW_PASSWORD = "An0ther-secret-passphrase"


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def entries_about(user, **filters) -> list[AccessLogEntry]:
    return list(
        AccessLogEntry.objects.filter(object_type="user", object_id=str(user.pk), **filters).order_by("id")
    )


def newest_about(user) -> AccessLogEntry:
    return entries_about(user)[-1]


def test_a_superuser_granting_and_removing_a_role_is_logged(client, personas, root):
    client.force_login(root)
    bob = personas.bob
    compliance = Group.objects.get(name=group_name(Role.COMPLIANCE_OFFICER))
    managers = Group.objects.get(name=group_name(Role.ACCOUNT_MANAGER))
    form = form_of(client.get(user_url(bob)))

    client.post(user_url(bob), post_data(form, groups=[compliance.pk]))

    reasons = [(entry.username, entry.reason) for entry in entries_about(bob, user_id=root.pk)]
    assert ("root", f"groups removed: {managers.pk}") in reasons
    assert ("root", f"groups added: {compliance.pk}") in reasons
    entry = newest_about(bob)
    assert entry.path == user_url(bob) and entry.outcome == "allowed"


def test_password_staff_and_superuser_changes_are_logged_without_the_password(client, personas, root):
    client.force_login(root)
    bob = personas.bob
    client.post(user_url(bob, "password_change"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    form = form_of(client.get(user_url(bob)))
    client.post(user_url(bob), post_data(form, is_staff="on"))
    bob.refresh_from_db()
    bob.is_superuser = True  # as from `manage.py shell`
    bob.save()

    reasons = [entry.reason for entry in entries_about(bob, user_id=root.pk)]
    assert "password" in reasons
    assert "is_staff=True" in reasons
    assert entries_about(bob)[-1].reason == "is_superuser=True"
    bob.refresh_from_db()
    secrets = (NEW_PASSWORD, PASSWORD, bob.password, bob.password.split("$")[-1])
    for entry in AccessLogEntry.objects.all():
        text = " ".join(str(value) for value in vars(entry).values())
        assert not any(secret in text for secret in secrets), entry.reason


def test_an_administrator_deactivating_and_reactivating_someone_is_logged(client, personas):
    client.force_login(personas.admin)
    bob = personas.bob
    form = form_of(client.get(user_url(bob)))

    client.post(user_url(bob), post_data(form, is_active=None))
    client.post(user_url(bob), post_data(form, is_active="on"))

    reasons = [entry.reason for entry in entries_about(bob, user_id=personas.admin.pk)]
    assert reasons == ["is_active=False", "is_active=True"]


def test_a_new_user_their_link_and_the_password_they_set_are_logged(client, personas):
    client.force_login(personas.admin)
    client.post(reverse("admin:auth_user_add"), {"username": "grace", "email": "grace@example.com"})
    grace = User.objects.get(username="grace")
    client.logout()
    link = re.search(r"https?://[^/\s]+(/password/set/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    logged = [(entry.user_id, entry.action, entry.reason) for entry in entries_about(grace)]
    admin_id = personas.admin.pk
    assert logged == [
        (admin_id, "create", "created: is_active=True, password disabled"),
        (admin_id, "password_link", "password-set link e-mailed"),
        (None, "change", "password"),  # by whoever held the link
    ]


def test_roles_given_from_the_group_side_or_cleared_are_logged(personas):
    group = Group.objects.get(name=group_name(Role.EXECUTIVE))
    bob = personas.bob

    group.user_set.add(bob)
    bob.groups.clear()

    reasons = [entry.reason for entry in entries_about(bob)][-2:]
    managers = Group.objects.get(name=group_name(Role.ACCOUNT_MANAGER))
    assert reasons[0] == f"groups added: {group.pk}"
    assert reasons[1] == f"groups removed: {', '.join(str(pk) for pk in sorted([managers.pk, group.pk]))}"


def test_a_change_rolled_back_leaves_no_entry(personas):
    group = Group.objects.get(name=group_name(Role.COMPLIANCE_OFFICER))
    before = len(entries_about(personas.bob))

    with pytest.raises(RuntimeError), transaction.atomic():
        personas.bob.groups.add(group)
        raise RuntimeError("refused later in the same transaction")

    assert len(entries_about(personas.bob)) == before
    personas.bob.groups.add(group)
    assert len(entries_about(personas.bob)) == before + 1


def test_logging_in_is_not_a_change_of_powers(client, personas):
    before = len(entries_about(personas.alice))

    assert client.login(username="alice", password=PASSWORD)

    assert len(entries_about(personas.alice)) == before


def test_team_changes_are_logged_with_the_account(client, personas):
    alice, account = personas.alice, personas.alice_account
    gina = UserFactory(username="gina", role=Role.ACCOUNT_MANAGER)
    client.force_login(alice)

    client.post(reverse("accounts:team_add", args=[account.pk]), {"user": gina.pk, "role": "member"})
    member = account.team.get(user=gina)
    client.post(reverse("accounts:team_remove", args=[account.pk, member.pk]))

    logged = list(
        AccessLogEntry.objects.filter(object_type="team_member", object_id=str(gina.pk)).order_by("id")
    )
    assert [(entry.user_id, entry.account_id, entry.action, entry.reason) for entry in logged] == [
        (alice.pk, account.pk, "add", f"user {gina.pk} joined as member"),
        (alice.pk, account.pk, "remove", f"user {gina.pk} left (was member)"),
    ]


def test_a_staffing_refusal_names_no_competitor_and_is_logged_for_compliance(client, personas):
    bob, alice = personas.bob, personas.alice
    client.force_login(bob)

    response = client.post(
        reverse("accounts:team_add", args=[personas.bob_account.pk]),
        {"user": alice.pk, "role": "member"},
        follow=True,
    )

    told = " ".join(str(message) for message in response.context["messages"])
    assert told == (
        "Team member not added: User: The Chinese wall keeps alice off this team. "
        "A compliance officer can record an exception."
    )
    entry = AccessLogEntry.objects.filter(user_id=bob.pk, object_type="team_member", outcome="denied").get()
    assert entry.account_id == personas.bob_account.pk
    assert entry.reason == (
        f"staffing refused: user {alice.pk} serves competitor account {personas.alice_account.pk}"
    )
    client.force_login(personas.dave)
    assert entry.reason in client.get(reverse("compliance:log")).content.decode()


def test_every_staffing_refusal_is_logged(client, personas):
    client.force_login(personas.bob)
    url = reverse("accounts:team_add", args=[personas.bob_account.pk])

    for _ in range(3):
        client.post(url, {"user": personas.alice.pk, "role": "member"})

    refusals = AccessLogEntry.objects.filter(
        user_id=personas.bob.pk, object_type="team_member", outcome="denied"
    )
    assert refusals.count() == 3


def test_team_changes_are_not_counted_as_reads(personas, settings):
    settings.ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY = 2
    AccountFactory.create_batch(3)  # each with its lead, added by the system
    start, end = access.now() - datetime.timedelta(hours=1), access.now() + datetime.timedelta(hours=1)

    assert AccessLogEntry.objects.filter(object_type="team_member", user_id=None).count() >= 3
    assert [row for row in many_accounts_in_a_day(start=start, end=end) if row["user_id"] is None] == []
    readers = who_saw(account=personas.alice_account, start=start, end=end).readers
    assert [reader for reader in readers if reader["user_id"] is None] == []


def test_a_superuser_made_from_the_command_line_is_logged(db, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    call_command("createsuperuser", username="ops", email="ops@example.com", interactive=False, verbosity=0)

    ops = User.objects.get(username="ops")
    assert newest_about(ops).reason == "created: is_active=True, is_staff=True, is_superuser=True, password"
