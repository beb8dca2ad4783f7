"""Test database set-up with KAM's three roles, and the personas every test can use.

The test database is created and migrated by the owner role (`owner` alias). The tests' own
connection (`default`) logs in as the system role, as background work does, so test set-up sees
every row; each request of the test client or the live server steps down to the web role for its
user (compliance/principal.py), so requests run with exactly the production web role's rights.
Flushes between transactional tests (TRUNCATE, which neither the web nor the system role may run)
go through the owner connection.
"""

import contextlib
import os
import shutil

import psycopg2
import pytest
from django.conf import settings
from django.db import connections

from kam.roles import Role


@pytest.fixture(scope="session")
def django_db_setup(django_test_environment, django_db_blocker):
    if not settings.DATABASE_SYSTEM:
        pytest.exit("The tests connect as the system role: set DATABASE_SYSTEM_URL.", returncode=2)
    with django_db_blocker.unblock():
        owner = connections["owner"]
        app = connections["default"]
        old_name = owner.settings_dict["NAME"]
        test_name = owner.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        app.close()
        for key in ("USER", "PASSWORD", "HOST", "PORT"):
            app.settings_dict[key] = settings.DATABASE_SYSTEM[key]
        app.settings_dict["NAME"] = test_name
    with pytest.MonkeyPatch.context() as patch:
        # On the class: a browser test's event loop gives the test thread wrappers of its own.
        patch.setattr(type(app.ops), "execute_sql_flush", _flush_as_owner)
        yield
    with django_db_blocker.unblock():
        app.close()
        owner.creation.destroy_test_db(old_name, verbosity=0)


def _flush_as_owner(ops, sql_list: list[str]) -> None:
    # A plain connection: Django closes the test's `owner` alias to tests that do not list it.
    params = connections["owner"].get_connection_params()
    with contextlib.closing(psycopg2.connect(**params)) as owner, owner, owner.cursor() as cursor:
        for sql in sql_list:
            cursor.execute(sql)


@pytest.fixture(scope="session", autouse=True)
def static_files_as_they_are():
    """Pages name static files as they are: the tests never run collectstatic, which production's
    hashed names need (kam/settings.py STORAGES)."""
    from django.test import override_settings

    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        yield


@pytest.fixture(autouse=True)
def system_principal():
    """Tests set their data up as background work does: as the system principal.

    Requests made by the test client or the live server still act as their user
    (compliance.middleware).
    """
    from compliance import principal

    with principal.system():
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Most tests create the personas; the production hasher would make that the slow part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client():
    """A test client whose `force_login` includes the second factor (accounts/tests/factories.py)."""
    from accounts.tests.factories import SignedInClient

    return SignedInClient()


@pytest.fixture
def password_only_client():
    """A test client whose sessions have passed the password only, for tests of the second step."""
    from django.test import Client

    return Client()


@pytest.fixture
def personas(db):
    """alice leads a key account; bob leads its competitor; carol sponsors alice's; dave audits."""
    from accounts.tests.factories import persona_portfolio

    return persona_portfolio()


@pytest.fixture
def make_user(db):
    from accounts.tests.factories import UserFactory

    def make(username: str, role: Role | None = None, **kwargs):
        return UserFactory(username=username, role=role, **kwargs)

    return make


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (Playwright's own browser download is not used)."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(chromium):
        if os.environ.get("KAM_REQUIRE_BROWSER"):
            pytest.fail("KAM_REQUIRE_BROWSER is set but Chromium is missing: apt-get install chromium")
        pytest.skip("browser journeys need Debian's Chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            headless=True,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        yield launched
        launched.close()


@pytest.fixture
def login_page(browser, live_server):
    """A function opening a new page logged in as the given user (factory password, then a code)."""
    from accounts.tests.factories import PASSWORD, totp_code, totp_device

    pages = []

    def open_as(user):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("Username").fill(user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/login/" not in url)
        if "/signin/verify/" in page.url:  # the second step: the code the user's app shows
            page.get_by_label("Code").fill(totp_code(totp_device(user)))
            page.get_by_role("button", name="Verify").click()
            page.wait_for_url(lambda url: "/signin/" not in url)
        pages.append(context)
        return page

    yield open_as
    for context in pages:
        context.close()
