"""Session lifetimes: the idle timeout, the absolute lifetime, and "sign out everywhere", with two
clients where two sessions matter."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.signin import sessions
from accounts.tests.factories import PASSWORD
from compliance.models import AccessLogEntry

pytestmark = pytest.mark.django_db

PAGE = "/accounts/"


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and "/login/" not in response.url
    return client


def move_back(client, key: str, seconds: float) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_a_session_idle_longer_than_the_timeout_goes_to_the_login_page(client, personas, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    log_in(client, personas.alice)
    move_back(client, sessions.SEEN_AT, 29 * 60)
    assert client.get(PAGE).status_code == 200
    move_back(client, sessions.SEEN_AT, 31 * 60)

    response = client.get(PAGE)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next=%2Faccounts%2F"
    login_page = client.get(response.url)
    assert "after 30 minutes without activity" in login_page.content.decode()
    assert client.get(PAGE).status_code == 302  # signed out for good


def test_an_htmx_request_after_the_timeout_is_sent_to_the_login_page(client, personas):
    log_in(client, personas.alice)
    move_back(client, sessions.SEEN_AT, 31 * 60)

    response = client.get(PAGE, headers={"HX-Request": "true"})

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("login"))


def test_a_session_ends_its_maximum_hours_after_sign_in_however_active(client, personas, settings):
    assert settings.SESSION_MAX_HOURS == 12
    log_in(client, personas.alice)
    move_back(client, sessions.SIGNED_IN_AT, 11.9 * 3600)
    assert client.get(PAGE).status_code == 200
    move_back(client, sessions.SIGNED_IN_AT, 0.2 * 3600)

    response = client.get(PAGE, follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "12 hours after you logged in" in response.content.decode()


def test_the_last_use_is_saved_at_most_once_a_minute(client, personas):
    log_in(client, personas.alice)
    assert client.get(PAGE).cookies.get("sessionid") is None  # nothing to save: no write
    move_back(client, sessions.SEEN_AT, 90)

    response = client.get(PAGE)

    assert response.cookies.get("sessionid") is not None
    assert abs(client.session[sessions.SEEN_AT] - sessions._now()) < 5


def test_sign_out_everywhere_ends_every_session_including_this_one(personas):
    here, elsewhere, someone_else = Client(), Client(), Client()
    log_in(here, personas.alice)
    log_in(elsewhere, personas.alice)
    log_in(someone_else, personas.bob)

    response = here.post(reverse("signout_everywhere"), {"confirm": "on"}, follow=True)

    assert "You signed out everywhere" in response.content.decode()
    assert here.get(PAGE).status_code == 302
    ended = elsewhere.get(PAGE, follow=True)
    assert ended.redirect_chain[0][0].startswith(reverse("login"))
    assert "You signed out everywhere" in ended.content.decode()
    assert someone_else.get(PAGE).status_code == 200
    entry = AccessLogEntry.objects.get(action="signout_everywhere")
    assert entry.object_id == str(personas.alice.pk) and entry.user_id == personas.alice.pk
    # Signing in again works.
    assert log_in(elsewhere, personas.alice).get(PAGE).status_code == 200


def test_sign_out_everywhere_needs_the_confirmation(client, personas):
    log_in(client, personas.alice)

    response = client.post(reverse("signout_everywhere"), follow=True)

    assert "Tick the box" in response.content.decode()
    assert client.get(PAGE).status_code == 200
    assert client.get(reverse("signout_everywhere")).status_code == 405
