"""The health check against the real services, the database role the app runs as, and signing in."""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, ProgrammingError, connection, transaction
from django.urls import reverse

from accounts.tests.factories import PASSWORD
from compliance import principal


def test_healthz_reports_database_and_broker_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_unavailable_when_the_broker_is_down(client, db, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"].startswith("down")


def test_healthz_is_unavailable_when_the_database_is_down(client, db, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    # A context of its own: the patch must be gone before the test transaction is rolled back.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "down: OperationalError",
        "broker": "ok",
    }


def test_healthz_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405


def _role_facts() -> tuple[str, bool, bool, int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (role,) = cursor.fetchone()
        cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        is_superuser, bypasses_rls = cursor.fetchone()
        cursor.execute(
            "SELECT count(*), count(*) FILTER (WHERE tableowner = current_user) "
            "FROM pg_tables WHERE schemaname = 'public'"
        )
        tables, owned = cursor.fetchone()
    return role, is_superuser, bypasses_rls, tables, owned


def test_requests_run_as_a_web_role_that_owns_nothing_and_bypasses_nothing(personas):
    # What WallMiddleware does for each request: the user's principal, on the web role.
    with principal.acting_as(principal.for_user(personas.alice)):
        role, is_superuser, bypasses_rls, tables, owned = _role_facts()

    assert role == django_settings.DATABASE_ROLES["web"]
    assert role != django_settings.DATABASES["owner"]["USER"]
    assert not is_superuser
    assert not bypasses_rls
    assert tables > 0
    assert owned == 0


def test_tests_set_up_as_a_system_role_that_owns_nothing_and_bypasses_nothing(db):
    role, is_superuser, bypasses_rls, tables, owned = _role_facts()

    assert role == django_settings.DATABASE_ROLES["system"]
    assert role not in (django_settings.DATABASES["owner"]["USER"], django_settings.DATABASE_ROLES["web"])
    assert (is_superuser, bypasses_rls, owned) == (False, False, 0)
    assert tables > 0


def test_app_role_cannot_create_tables(db):
    with (
        pytest.raises(ProgrammingError, match="permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("CREATE TABLE intruder (id int)")


def test_app_role_cannot_alter_the_tables_it_uses(db):
    with (
        pytest.raises(ProgrammingError, match="must be owner"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("ALTER TABLE accounts_account DISABLE ROW LEVEL SECURITY")


def test_settings_refuse_to_start_without_a_secret_key():
    env = {**os.environ, "DATABASE_URL": "postgresql://kam_app@127.0.0.1:5432/kam", "SECRET_KEY": ""}
    result = subprocess.run(
        [sys.executable, "-c", "import kam.settings"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _installed_apps(**env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import kam.settings as s; print(' '.join(s.INSTALLED_APPS))"],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": "postgresql://kam_app@127.0.0.1:5432/kam", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_settings_refuse_the_benchmark_app_in_a_production_configuration():
    result = _installed_apps(KAM_BENCH="1", DEBUG="false")

    assert result.returncode != 0
    assert "KAM_BENCH is for development only" in result.stderr


def test_the_benchmark_app_is_installed_only_when_asked_for_with_debug_on():
    asked = _installed_apps(KAM_BENCH="1", DEBUG="true")
    not_asked = _installed_apps(KAM_BENCH="", DEBUG="true")

    assert "bench" in asked.stdout.split()
    assert "bench" not in not_asked.stdout.split()
    assert "bench" not in django_settings.INSTALLED_APPS


def test_login_page_renders_for_anonymous_visitors(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Log in to KAM" in content
    assert 'name="password"' in content


def test_alice_logs_in_with_her_password_and_lands_on_her_accounts(client, personas):
    response = client.post(reverse("login"), {"username": "alice", "password": PASSWORD})

    assert response.status_code == 302
    assert response.url == reverse("home")
    accounts = client.get(reverse("accounts:list"))
    assert accounts.status_code == 200
    assert "Northwind Retail" in accounts.content.decode()


def test_wrong_password_keeps_the_visitor_out(client, personas):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})

    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert client.get(reverse("accounts:list")).status_code == 302


def test_login_sends_back_to_the_page_asked_for(client, personas):
    detail = reverse("accounts:detail", args=[personas.alice_account.pk])

    response = client.post(
        f"{reverse('login')}?next={detail}", {"username": "alice", "password": PASSWORD, "next": detail}
    )

    assert response.status_code == 302
    assert response.url == detail


def test_logout_is_a_post_and_ends_the_session(client, personas):
    client.force_login(personas.alice)

    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("accounts:list")).status_code == 200

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert client.get(reverse("accounts:list")).status_code == 302


def test_signed_in_pages_offer_a_logout_button(client, personas):
    client.force_login(personas.alice)

    content = client.get(reverse("accounts:list")).content.decode()

    assert f'action="{reverse("logout")}"' in content
    assert "Log out" in content
