"""dave, a compliance officer, signs in for the first time and sets up two-step sign-in, in Chromium."""

from base64 import b32decode

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD, UserFactory, totp_code
from kam.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def password_step(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def code_step(page, code: str) -> None:
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name="Verify").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.locator("nav").get_by_role("button", name="Log out").click()
    page.wait_for_url(lambda url: "/login/" in url)


def test_dave_enrols_then_signs_in_with_the_app_and_with_a_recovery_code_once(browser, live_server):
    dave = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER, second_factor=False)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # First sign-in: no authenticator yet, so straight to enrolment after the password.
    password_step(page, live_server.url, "dave")
    assert "/signin/enrol/" in page.url
    assert page.locator("svg.signin-qr").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text().replace(" ", "")
    device = TOTPDevice.objects.get(user=dave, confirmed=False)
    assert b32decode(secret) == device.bin_key
    page.get_by_label("Six-digit code from the app").fill(totp_code(device))
    page.get_by_role("button", name="Confirm").click()

    assert page.get_by_text("Save these recovery codes now").is_visible()
    codes = [code.strip() for code in page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()]
    assert len(codes) == 10
    page.get_by_role("link", name="I have saved my recovery codes").click()
    page.wait_for_url(lambda url: "/signin/" not in url)
    assert page.get_by_role("link", name="Access log").is_visible()
    log_out(page)

    # With the code the app shows.
    password_step(page, live_server.url, "dave")
    assert "/signin/verify/" in page.url
    code_step(page, totp_code(TOTPDevice.objects.get(user=dave)))
    assert "/signin/" not in page.url
    log_out(page)

    # Without the phone: a recovery code, once.
    password_step(page, live_server.url, "dave")
    code_step(page, codes[0])
    assert "/signin/" not in page.url
    assert page.get_by_text("You signed in with a recovery code").is_visible()
    log_out(page)

    password_step(page, live_server.url, "dave")
    code_step(page, codes[0])
    assert "/signin/verify/" in page.url
    assert page.get_by_text("That code is not right").is_visible()
    page.goto(f"{live_server.url}/compliance/log/")
    assert "/signin/verify/" in page.url
    context.close()
