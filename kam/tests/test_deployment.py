"""The production configuration as `manage.py check --deploy` sees it, and keys too weak to start with."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

STRONG_KEY = "deploy-test-Kq3vX9pL2mN7rT5wY8zA1bC4dE6fG0hJ-sUuVvWwXx"
WEAK_KEYS = {
    "short": "ci-1767225600-12345",
    "few distinct characters": "ab" * 40,
    "Django's insecure development prefix": "django-insecure-" + "x1y2z3w4v5u6t7s8r9q0" * 3,
}
# Variables a developer's or CI's shell may hold that would change the configuration under test.
CLEARED = (
    "DEBUG",
    "KAM_BENCH",
    "KAM_HTTPS",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_COOKIES",
    "PRINCIPAL_SIGNING_KEY",
    "ACCESS_LOG_SIGNING_KEY",
    "DJANGO_ALLOW_ASYNC_UNSAFE",  # set by the browser fixture (conftest.py); the deploy check warns of it
)


def _production_env(**overrides: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgresql://kam_app@127.0.0.1:5432/kam"),
        DATABASE_SYSTEM_URL=os.environ.get(
            "DATABASE_SYSTEM_URL", "postgresql://kam_system@127.0.0.1:5432/kam"
        ),
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="kam.example.com",
        KAM_HTTPS="1",
    )
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )


def _deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)


def _settings(env: dict[str, str], *names: str) -> subprocess.CompletedProcess:
    code = f"import kam.settings as s; print(repr([getattr(s, n, None) for n in {list(names)!r}]))"
    return _run(["-c", code], env)


def test_the_production_configuration_passes_the_deploy_check_without_a_warning():
    result = _deploy_check(_production_env())

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_https_the_deploy_check_says_what_is_missing():
    result = _deploy_check(_production_env(KAM_HTTPS=None))

    assert result.returncode != 0
    assert "kam.W001" in result.stderr
    assert "set KAM_HTTPS=1" in result.stderr
    assert "security.W004" in result.stderr  # no HSTS
    assert "security.W008" in result.stderr  # no redirect to HTTPS


def test_https_turns_on_the_redirect_a_year_of_hsts_and_secure_cookies_but_not_preloading():
    names = (
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
    )
    on = _settings(_production_env(), *names)
    preloaded = _settings(_production_env(SECURE_HSTS_PRELOAD="1"), "SECURE_HSTS_PRELOAD")
    proxied = _settings(
        _production_env(SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto"), "SECURE_PROXY_SSL_HEADER"
    )
    off = _settings(_production_env(KAM_HTTPS=None), "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")

    assert on.stdout.strip() == "[True, 31536000, True, False, True, True, None]", on.stderr
    assert preloaded.stdout.strip() == "[True]"
    assert proxied.stdout.strip() == "[('HTTP_X_FORWARDED_PROTO', 'https')]"
    assert off.stdout.strip() == "[False, 0]"


@pytest.mark.parametrize("weakness", WEAK_KEYS)
def test_a_weak_secret_key_refuses_to_start(weakness):
    result = _settings(_production_env(SECRET_KEY=WEAK_KEYS[weakness]), "SECRET_KEY")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is too weak" in result.stderr


@pytest.mark.parametrize("name", ["PRINCIPAL_SIGNING_KEY", "ACCESS_LOG_SIGNING_KEY"])
def test_a_weak_signing_key_set_explicitly_refuses_to_start(name):
    weak = _settings(_production_env(**{name: "short-signing-key"}), name)
    strong = _settings(_production_env(**{name: STRONG_KEY[::-1]}), name)
    unset = _settings(_production_env(), name)

    assert weak.returncode != 0
    assert f"ImproperlyConfigured: {name} is too weak" in weak.stderr
    assert strong.stdout.strip() == repr([STRONG_KEY[::-1]])
    assert unset.stdout.strip() == repr([STRONG_KEY])  # defaults to SECRET_KEY


def test_the_embedded_development_default_keeps_its_fixed_key():
    env = {name: value for name, value in _production_env().items() if name != "DATABASE_URL"}
    env.pop("SECRET_KEY")

    result = _settings(env, "SECRET_KEY", "DEBUG")

    assert result.returncode == 0, result.stderr
    assert "kam-embedded-development-only-not-secret" in result.stdout
