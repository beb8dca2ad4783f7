"""Administrators manage people's accounts in Django admin, never passwords, powers or the wall.

`admin` (the administrator role) may create users (no password: a password-set link goes to them),
edit their names, deactivate and reactivate them. Only a superuser, created from the command line,
sets passwords, staff status, groups (the KAM roles) and permissions; no one makes a superuser
from the web.
"""

import re

import pytest
from django import forms
from django.contrib import admin as django_admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.urls import reverse

from accounts.tests.factories import PASSWORD, UserFactory
from kam.roles import Role, group_name

User = get_user_model()

# Form fields through which someone could take over an account or hand out the wall's keys.
POWER_FIELDS = {
    "password",
    "password1",
    "password2",
    "usable_password",
    "is_superuser",
    "is_staff",
    "groups",
    "user_permissions",
    "permissions",
}
NEW_PASSWORD = "An0ther-secret-passphrase"


@pytest.fixture
def as_admin(client, personas):
    client.force_login(personas.admin)
    return client


@pytest.fixture
def root(db):
    """A superuser, as `manage.py createsuperuser` makes one."""
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


def user_url(user, view: str = "change") -> str:
    return reverse(f"admin:auth_user_{view}", args=[user.pk])


def form_of(response):
    return response.context["adminform"].form


def post_data(form, **overrides) -> dict:
    """What a browser posts back for `form` unchanged, then `overrides` (None drops a field)."""
    data = {}
    for bound in form:
        value, widget = bound.value(), bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            for index, part in enumerate(widget.decompress(value)):
                data[f"{bound.html_name}_{index}"] = "" if part is None else part
        elif value is True:
            data[bound.html_name] = "on"
        elif value not in (None, False):
            data[bound.html_name] = value
    data.update(overrides)
    return {name: value for name, value in data.items() if value is not None}


def attack(personas) -> dict:
    """Every power field an administrator might slip into a POST."""
    everything = Permission.objects.values_list("pk", flat=True)
    return {
        "is_superuser": "on",
        "is_staff": "on",
        "groups": [Group.objects.get(name=group_name(Role.COMPLIANCE_OFFICER)).pk],
        "user_permissions": list(everything[:5]),
        "usable_password": "true",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }


def powers(user) -> tuple:
    user.refresh_from_db()
    groups = sorted(user.groups.values_list("name", flat=True))
    return user.is_superuser, user.is_staff, groups, user.user_permissions.count(), user.password


# The finding: the administrator could set alice's password and make anyone a superuser. -----------


def test_administrator_cannot_set_a_password(as_admin, personas):
    url = user_url(personas.alice, "password_change")

    assert as_admin.get(url).status_code == 403
    response = as_admin.post(url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert response.status_code == 403
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(PASSWORD)
    assert not as_admin.login(username="alice", password=NEW_PASSWORD)


def test_administrator_edit_form_offers_no_power_field(as_admin, personas):
    response = as_admin.get(user_url(personas.bob))

    assert response.status_code == 200
    assert set(form_of(response).fields) & POWER_FIELDS == set()
    assert "../password/" not in response.content.decode()


def test_power_fields_posted_by_an_administrator_are_ignored(as_admin, personas):
    bob = personas.bob
    before = powers(bob)
    form = form_of(as_admin.get(user_url(bob)))

    response = as_admin.post(user_url(bob), post_data(form, first_name="Robert", **attack(personas)))

    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.first_name == "Robert"
    assert powers(bob) == before
    assert not bob.is_superuser


def test_administrator_deactivates_and_reactivates_a_user(as_admin, personas):
    bob = personas.bob
    form = form_of(as_admin.get(user_url(bob)))

    as_admin.post(user_url(bob), post_data(form, is_active=None))
    bob.refresh_from_db()
    assert not bob.is_active
    as_admin.post(user_url(bob), post_data(form, is_active="on"))
    bob.refresh_from_db()
    assert bob.is_active


def test_a_superuser_is_read_only_to_an_administrator(as_admin, personas, root):
    response = as_admin.get(user_url(root))

    assert response.status_code == 200
    assert not form_of(response).fields
    response = as_admin.post(user_url(root), {"email": "admin@example.com", "is_active": ""})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.email == "root@example.com"


def test_the_address_of_someone_holding_a_role_stays_as_it_is(as_admin, personas):
    # Else an administrator could point alice's password-set link at themselves.
    alice = personas.alice
    form = form_of(as_admin.get(user_url(alice)))

    assert "email" not in form.fields
    as_admin.post(user_url(alice), post_data(form, email="admin@example.com"))
    alice.refresh_from_db()
    assert alice.email == "alice@example.com"


# Creating a user and the password-set link. ------------------------------------------------------


def test_administrator_creates_a_user_who_sets_their_own_password(as_admin, client, personas):
    add_url = reverse("admin:auth_user_add")
    form = form_of(as_admin.get(add_url))
    assert set(form.fields) & POWER_FIELDS == set()

    data = {"username": "grace", "first_name": "Grace", "email": "grace@example.com", **attack(personas)}
    response = as_admin.post(add_url, data)

    assert response.status_code == 302
    grace = User.objects.get(username="grace")
    assert not grace.has_usable_password()
    assert powers(grace)[:4] == (False, False, [], 0)
    assert [message.to for message in mail.outbox] == [["grace@example.com"]]
    body = mail.outbox[0].body
    assert NEW_PASSWORD not in body

    as_admin.logout()
    link = re.search(r"https?://[^/\s]+(/password/set/\S+/)", body).group(1)
    form_url = client.get(link)["Location"]  # Django moves the token into the session
    response = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.login(username="grace", password=NEW_PASSWORD)
    assert client.get(link).context["validlink"] is False  # the link works once


def test_password_set_link_goes_only_to_someone_without_a_password(as_admin, personas):
    waiting = UserFactory(username="heidi")
    waiting.set_unusable_password()
    waiting.save()
    changelist = reverse("admin:auth_user_changelist")

    response = as_admin.post(
        changelist,
        {"action": "send_password_set_link", "_selected_action": [waiting.pk, personas.alice.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [message.to for message in mail.outbox] == [["heidi@example.com"]]
    assert "lice already has a password; only a superuser resets it." in response.content.decode()


# Groups hold permissions. -----------------------------------------------------------------------


def test_administrator_cannot_change_a_group(as_admin, personas):
    group = Group.objects.get(name=group_name(Role.ADMINISTRATOR))
    permission = Permission.objects.get(codename="change_group")
    before = set(group.permissions.all())

    assert as_admin.get(reverse("admin:auth_group_add")).status_code == 403
    response = as_admin.post(
        reverse("admin:auth_group_change", args=[group.pk]),
        {"name": group.name, "permissions": [permission.pk]},
    )
    assert response.status_code == 403
    assert (
        as_admin.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"}).status_code == 403
    )
    assert set(group.permissions.all()) == before


# Every admin page the administrator reaches. --------------------------------------------------------


def admin_forms(client):
    """(url, form) of every add and change form the client reaches from the admin's changelists."""
    for model, model_admin in django_admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        if client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code != 200:
            continue
        urls = [reverse("admin:{}_{}_add".format(*info))]
        urls += [
            reverse("admin:{}_{}_change".format(*info), args=[pk])
            for pk in model_admin.get_queryset(None).values_list("pk", flat=True)[:20]
        ]
        for url in urls:
            response = client.get(url)
            if response.status_code == 200:
                yield url, response


def test_no_admin_form_lets_an_administrator_hand_out_power(as_admin, personas, root):
    reached, offending = [], []
    for url, response in admin_forms(as_admin):
        reached.append(url)
        fields = set(form_of(response).fields) & POWER_FIELDS
        if fields or "/password/" in response.content.decode():
            offending.append(f"{url}: {sorted(fields) or 'password link'}")

    assert reverse("admin:auth_user_add") in reached
    assert user_url(personas.alice) in reached
    assert not offending, "\n".join(offending)


# A superuser still can. -----------------------------------------------------------------------------


def test_superuser_sets_a_password_and_grants_roles_but_makes_no_superuser(client, personas, root):
    client.force_login(root)
    bob = personas.bob

    response = client.post(
        user_url(bob, "password_change"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.check_password(NEW_PASSWORD)

    form = form_of(client.get(user_url(bob)))
    assert {"is_staff", "groups", "user_permissions"} <= set(form.fields)
    assert "is_superuser" not in form.fields  # only `manage.py createsuperuser` makes one
    compliance = Group.objects.get(name=group_name(Role.COMPLIANCE_OFFICER))
    response = client.post(
        user_url(bob), post_data(form, is_staff="on", is_superuser="on", groups=[compliance.pk])
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.is_staff and not bob.is_superuser
    assert list(bob.groups.all()) == [compliance]
