"""A user's own password: the rules for a new one, changing it signed in, and "Forgot your
password?" by e-mail; each ends the user's other sessions and is in the access log."""

import datetime
import re

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from compliance.models import AccessLogEntry

pytestmark = pytest.mark.django_db

PAGE = "/accounts/"
NEW_PASSWORD = "quiet-harbour-lantern-42"


def log_in(client, user, password=PASSWORD):
    response = client.post(reverse("login"), {"username": user.username, "password": password})
    assert response.status_code == 302 and "/login/" not in response.url, "could not log in"
    return client


def change(client, new, old=PASSWORD):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


@pytest.mark.parametrize(
    ("new", "complaint"),
    [
        ("short-pass1", "at least 12 characters"),
        ("847261937105", "entirely numeric"),
        ("password1234", "too common"),
        ("alice.example", "too similar"),
    ],
)
def test_a_new_password_must_pass_the_rules(client, personas, new, complaint):
    personas.alice.email = "alice.example@example.com"
    personas.alice.save()
    log_in(client, personas.alice)

    response = change(client, new)

    assert response.status_code == 200
    assert complaint in response.content.decode()
    personas.alice.refresh_from_db()
    assert personas.alice.check_password(PASSWORD)


def test_the_navigation_links_to_the_password_page(client, personas):
    log_in(client, personas.alice)

    page = client.get(PAGE).content.decode()

    assert f'href="{reverse("password_change")}"' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(personas):
    here, elsewhere = Client(), Client()
    log_in(here, personas.alice)
    log_in(elsewhere, personas.alice)

    response = change(here, NEW_PASSWORD)

    assert response.status_code == 302
    assert "Your password is changed" in here.get(response.url).content.decode()
    assert here.get(PAGE).status_code == 200
    assert elsewhere.get(PAGE).status_code == 302
    log_in(Client(), personas.alice, NEW_PASSWORD)
    entry = AccessLogEntry.objects.get(action="password_change")
    assert entry.user_id == personas.alice.pk and entry.object_id == str(personas.alice.pk)


def test_a_wrong_current_password_changes_nothing(client, personas):
    log_in(client, personas.alice)

    response = change(client, NEW_PASSWORD, old="not-my-password")

    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    assert not AccessLogEntry.objects.filter(action="password_change").exists()


# Forgot your password? --------------------------------------------------------------------------


def _ask(client, email):
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def _link(message) -> str:
    return re.search(r"https?://testserver(/password/set/\S+/)", message.body).group(1)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_forgot_password_answers_the_same_for_an_unknown_address(client, personas):
    personas.alice.email = "alice@northwind.example"
    personas.alice.save()
    known = _ask(client, "alice@northwind.example")
    unknown = _ask(client, "nobody@northwind.example")

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain
    assert _without_tokens(known.content.decode()) == _without_tokens(unknown.content.decode())
    assert [message.to for message in mail.outbox] == [["alice@northwind.example"]]
    assert AccessLogEntry.objects.filter(action="password_reset_link").count() == 1


def test_the_login_page_offers_forgot_your_password(client):
    page = client.get(reverse("login")).content.decode()

    assert f'href="{reverse("password_reset")}"' in page


def test_a_reset_link_sets_a_new_password_once_and_ends_every_session(personas):
    alice = personas.alice
    alice.email = "alice@northwind.example"
    alice.save()
    elsewhere, browser = log_in(Client(), alice), Client()
    _ask(browser, alice.email)
    link = _link(mail.outbox[0])

    form = browser.get(link, follow=True)
    assert "Set your password" in form.content.decode()
    done = browser.post(
        form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302 and done.url == reverse("password_set_done")
    assert elsewhere.get(PAGE).status_code == 302
    log_in(Client(), alice, NEW_PASSWORD)
    again = Client().get(link, follow=True)
    assert "This link is no longer valid" in again.content.decode()
    entry = AccessLogEntry.objects.get(action="password_reset")
    assert entry.object_id == str(alice.pk) and entry.user_id is None


def test_a_reset_link_expires(client, personas, monkeypatch, settings):
    personas.alice.email = "alice@northwind.example"
    personas.alice.save()
    _ask(client, personas.alice.email)
    link = _link(mail.outbox[0])
    real_now = PasswordResetTokenGenerator._now
    later = datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: real_now(self) + later)

    response = client.get(link, follow=True)

    assert "This link is no longer valid" in response.content.decode()


def test_a_reset_lifts_the_lockout_of_its_username(client, personas):
    carol = personas.carol
    carol.email = "carol@kam.example"
    carol.save()
    for attempt in range(5):
        client.post(
            reverse("login"), {"username": "carol", "password": "nope"}, REMOTE_ADDR=f"10.1.0.{attempt}"
        )
    assert client.post(reverse("login"), {"username": "carol", "password": PASSWORD}).status_code == 429
    _ask(client, carol.email)
    form = client.get(_link(mail.outbox[0]), follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    log_in(client, carol, NEW_PASSWORD)
