"""Two-step sign-in: who is asked for a second factor, enrolment, codes, recovery codes, bad input.

These tests sign in with the password form (`password_only_client`), as a person does; the
rest of the suite's `client` has passed the second step already (conftest.py).
"""

import os
import re
import subprocess
import sys
import time
from base64 import b32decode
from binascii import hexlify

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.oath import hotp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD, UserFactory, totp_code, totp_device
from compliance.models import AccessLogEntry
from kam.roles import Role

pytestmark = pytest.mark.django_db
User = get_user_model()


def sign_in(client, user, next_url: str = "/"):
    """The password step; returns where it leaves the browser next."""
    client.post(reverse("login"), {"username": user.username, "password": PASSWORD, "next": next_url})
    return client.get(next_url)


def target(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


def logged(user, action: str) -> list[tuple[str, str]]:
    entries = AccessLogEntry.objects.filter(object_type="user", object_id=str(user.pk), action=action)
    return [(entry.outcome, entry.reason) for entry in entries.order_by("id")]


# Who is asked. -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "asked"),
    [
        (Role.ACCOUNT_MANAGER, False),
        (Role.EXECUTIVE, True),
        (Role.COMPLIANCE_OFFICER, True),
        (Role.ADMINISTRATOR, True),
    ],
)
def test_each_role_is_asked_for_a_second_factor_as_designed(password_only_client, role, asked):
    user = UserFactory(username="someone", role=role, second_factor=False)

    response = sign_in(password_only_client, user, "/accounts/")

    if asked:
        assert target(response) == reverse("signin:enrol") + "?next=%2Faccounts%2F"
    else:
        assert response.status_code == 200


def test_a_superuser_without_a_role_must_set_it_up(password_only_client):
    root = UserFactory(username="root", is_superuser=True, is_staff=True, second_factor=False)

    assert target(sign_in(password_only_client, root)).startswith(reverse("signin:enrol"))


def test_an_account_manager_who_set_it_up_is_asked_for_the_code(password_only_client):
    alice = UserFactory(username="alice", role=Role.ACCOUNT_MANAGER)
    totp_device(alice)

    assert target(sign_in(password_only_client, alice, "/accounts/")) == (
        reverse("signin:verify") + "?next=%2Faccounts%2F"
    )


def test_the_setting_requires_it_of_everyone(password_only_client, settings):
    alice = UserFactory(username="alice", role=Role.ACCOUNT_MANAGER)
    settings.OTP_REQUIRED_FOR_ALL = True

    assert target(sign_in(password_only_client, alice)).startswith(reverse("signin:enrol"))


def test_until_verified_only_the_sign_in_pages_and_logout_answer(password_only_client):
    carol = UserFactory(username="carol", role=Role.EXECUTIVE)
    sign_in(password_only_client, carol)
    verify = reverse("signin:verify")

    for url in ("/", "/accounts/", "/compliance/log/", reverse("signin:security"), "/admin/"):
        assert target(password_only_client.get(url)).startswith(verify), url
    htmx = password_only_client.get("/accounts/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == verify
    assert password_only_client.get(verify).status_code == 200
    assert password_only_client.post(reverse("logout")).status_code == 302
    assert target(password_only_client.get("/accounts/")).startswith(reverse("login"))


def test_staff_reach_no_admin_page_before_the_second_step(password_only_client):
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR)
    sign_in(password_only_client, admin)

    for url in ("/admin/", "/admin/login/", "/admin/auth/user/"):
        assert target(password_only_client.get(url)).startswith(reverse("signin:verify")), url
    verify_with_app(password_only_client, admin)
    assert password_only_client.get("/admin/auth/user/").status_code == 200


def test_django_admin_demands_the_second_factor_even_without_the_middleware(password_only_client, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "SecondFactor" not in m]
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR)
    sign_in(password_only_client, admin)

    assert target(password_only_client.get("/admin/")).startswith(reverse("admin:login"))
    verify_with_app(password_only_client, admin)
    assert password_only_client.get("/admin/").status_code == 200


def test_the_admin_login_page_sends_visitors_to_the_sign_in(password_only_client):
    response = password_only_client.get(reverse("admin:login") + "?next=/admin/")

    assert target(response) == reverse("login") + "?next=%2Fadmin%2F"


# The demo waiver. ----------------------------------------------------------------------------------


def test_the_demo_waiver_spares_the_demo_personas_only(password_only_client, settings):
    settings.DEMO_OTP_WAIVER = True
    carol = UserFactory(username="carol", role=Role.EXECUTIVE, second_factor=False)
    admin = UserFactory(username="admin", role=Role.ADMINISTRATOR, second_factor=False)
    nina = UserFactory(username="nina", role=Role.EXECUTIVE, second_factor=False)

    assert target(sign_in(password_only_client, carol)) == reverse("relationships:dashboard_portfolio")
    password_only_client.post(reverse("logout"))
    sign_in(password_only_client, admin)
    assert password_only_client.get("/admin/").status_code == 200
    password_only_client.post(reverse("logout"))
    assert target(sign_in(password_only_client, nina)).startswith(reverse("signin:enrol"))


def test_without_the_waiver_the_demo_personas_are_asked_too(password_only_client, settings):
    settings.DEMO_OTP_WAIVER = False
    carol = UserFactory(username="carol", role=Role.EXECUTIVE, second_factor=False)

    assert target(sign_in(password_only_client, carol)).startswith(reverse("signin:enrol"))


@pytest.mark.parametrize("database_url", ["postgresql://kam_app@127.0.0.1:5432/kam", None])
def test_settings_refuse_the_waiver_when_a_database_is_configured(database_url):
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["KAM_DEMO_OTP_WAIVER"] = "1"
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [sys.executable, "-c", "import kam.settings as s; print(s.DEMO_OTP_WAIVER)"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    if database_url:
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "KAM_DEMO_OTP_WAIVER is for the embedded development default only" in result.stderr
    else:  # the embedded development default (`make run`) may have it
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "True"


# Enrolment. ----------------------------------------------------------------------------------------


def secret_on(page: str) -> str:
    grouped = re.search(r'data-testid="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    return grouped.replace(" ", "")


def code_for(secret: str, offset: int = 0) -> str:
    step = int(time.time() // 30) + offset
    return f"{hotp(b32decode(secret), step, digits=6):06d}"


def test_enrolment_shows_a_server_drawn_qr_code_and_the_secret_then_ten_recovery_codes(password_only_client):
    carol = UserFactory(username="carol", role=Role.EXECUTIVE, second_factor=False)
    sign_in(password_only_client, carol)

    page = password_only_client.get(reverse("signin:enrol") + "?next=/accounts/").content.decode()

    assert re.search(r'<svg [^>]*class="signin-qr"', page)
    assert "style=" not in page.split("<main", 1)[1]
    secret = secret_on(page)
    device = TOTPDevice.objects.get(user=carol)
    assert hexlify(b32decode(secret)).decode() == device.key and not device.confirmed
    again = password_only_client.get(reverse("signin:enrol")).content.decode()
    assert secret_on(again) == secret, "a reload keeps the secret the app may already hold"

    done = password_only_client.post(
        reverse("signin:enrol"), {"code": code_for(secret), "next": "/accounts/"}
    )

    assert done.status_code == 200
    text = done.content.decode()
    assert "Save these recovery codes now" in text
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", text)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert set(StaticToken.objects.filter(device__user=carol).values_list("token", flat=True)) == set(codes)
    assert done["Cache-Control"] == "no-store" or "no-store" in done["Cache-Control"]
    assert password_only_client.get("/accounts/").status_code == 200
    assert logged(carol, "otp_enrol") == [("allowed", "authenticator app set up, recovery codes issued")]
    assert target(password_only_client.get(reverse("signin:enrol"))) == reverse("signin:security")


def test_a_wrong_enrolment_code_is_refused_with_a_message(password_only_client):
    dave = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER, second_factor=False)
    sign_in(password_only_client, dave)
    secret = secret_on(password_only_client.get(reverse("signin:enrol")).content.decode())
    wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"

    for code in (wrong, "", "abc", "9" * 30):
        response = password_only_client.post(reverse("signin:enrol"), {"code": code})
        assert response.status_code == 200, code
        assert 'class="invalid-feedback"' in response.content.decode()

    assert (
        "That code is not right"
        in password_only_client.post(reverse("signin:enrol"), {"code": wrong}).content.decode()
    )
    assert not TOTPDevice.objects.filter(user=dave, confirmed=True).exists()
    assert target(password_only_client.get("/")).startswith(reverse("signin:enrol"))
    assert ("denied", "second factor refused: wrong code") in logged(dave, "otp_enrol")


# The code page. ------------------------------------------------------------------------------------


def verify_with_app(client, user, next_url: str = "/"):
    code = totp_code(totp_device(user))
    return client.post(reverse("signin:verify"), {"code": code, "next": next_url})


def test_the_code_from_the_app_signs_in_once(password_only_client):
    carol = UserFactory(username="carol", role=Role.EXECUTIVE)
    sign_in(password_only_client, carol, "/accounts/")
    device = totp_device(carol)
    code = totp_code(device)

    response = password_only_client.post(reverse("signin:verify"), {"code": code, "next": "/accounts/"})

    assert target(response) == "/accounts/"
    assert password_only_client.get("/accounts/").status_code == 200
    assert logged(carol, "otp_verify") == [("allowed", "second factor verified")]
    password_only_client.post(reverse("logout"))
    sign_in(password_only_client, carol)
    reused = password_only_client.post(reverse("signin:verify"), {"code": code})
    assert reused.status_code == 200
    assert "already used" in reused.content.decode()
    assert logged(carol, "otp_verify")[-1] == ("denied", "second factor refused: wrong code")


def test_a_wrong_code_says_so_and_slows_the_next_try(password_only_client):
    dave = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER)
    sign_in(password_only_client, dave)
    right = totp_code(totp_device(dave))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    refused = password_only_client.post(reverse("signin:verify"), {"code": wrong})
    too_soon = password_only_client.post(reverse("signin:verify"), {"code": right})

    assert refused.status_code == 200 and "That code is not right" in refused.content.decode()
    assert too_soon.status_code == 200 and "Too many wrong codes in a row" in too_soon.content.decode()
    assert target(password_only_client.get("/")).startswith(reverse("signin:verify"))
    time.sleep(1.2)
    assert target(password_only_client.post(reverse("signin:verify"), {"code": right})) == "/"
    assert [outcome for outcome, _ in logged(dave, "otp_verify")] == ["denied", "denied", "allowed"]


@pytest.mark.parametrize("code", ["", "12345", "1234567", "not a code", "<script>", "x" * 5000])
def test_bad_input_on_the_code_page_is_a_message_not_an_error(password_only_client, code):
    carol = UserFactory(username="carol", role=Role.EXECUTIVE)
    sign_in(password_only_client, carol)

    response = password_only_client.post(
        reverse("signin:verify"), {"code": code, "next": "https://evil.test/"}
    )

    assert response.status_code == 200
    assert 'class="invalid-feedback"' in response.content.decode()
    assert target(password_only_client.get("/")).startswith(reverse("signin:verify"))


def test_a_recovery_code_works_once(password_only_client):
    carol = UserFactory(username="carol", role=Role.EXECUTIVE, second_factor=False)
    sign_in(password_only_client, carol)
    secret = secret_on(password_only_client.get(reverse("signin:enrol")).content.decode())
    page = password_only_client.post(reverse("signin:enrol"), {"code": code_for(secret)}).content.decode()
    recovery = re.findall(r"<li>([a-z2-7]{8})</li>", page)[3]
    password_only_client.post(reverse("logout"))

    sign_in(password_only_client, carol)
    used = password_only_client.post(
        reverse("signin:verify"), {"code": recovery.upper(), "next": "/accounts/"}
    )

    assert target(used) == "/accounts/"
    assert "9 left" in password_only_client.get("/accounts/").content.decode()
    assert logged(carol, "otp_recovery_code") == [("allowed", "signed in with a recovery code (now used up)")]
    password_only_client.post(reverse("logout"))
    sign_in(password_only_client, carol)
    again = password_only_client.post(reverse("signin:verify"), {"code": recovery})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert target(password_only_client.get("/")).startswith(reverse("signin:verify"))


def test_an_account_manager_enrols_voluntarily_from_the_security_page(password_only_client):
    alice = UserFactory(username="alice", role=Role.ACCOUNT_MANAGER)
    sign_in(password_only_client, alice)
    page = password_only_client.get(reverse("signin:security")).content.decode()
    assert "Off" in page and reverse("signin:enrol") in page
    assert 'href="/security/"' in password_only_client.get("/accounts/").content.decode()

    secret = secret_on(password_only_client.get(reverse("signin:enrol")).content.decode())
    password_only_client.post(reverse("signin:enrol"), {"code": code_for(secret)})

    assert (
        'data-testid="codes-left">10<'
        in password_only_client.get(reverse("signin:security")).content.decode()
    )
    new = password_only_client.post(reverse("signin:security"), {"action": "recovery_codes"})
    assert len(re.findall(r"<li>([a-z2-7]{8})</li>", new.content.decode())) == 10
    password_only_client.post(reverse("logout"))
    assert target(sign_in(password_only_client, alice)).startswith(reverse("signin:verify"))
