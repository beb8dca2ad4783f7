"""`python -m kam.serve`: what each production role runs, what it refuses, and the web role for real."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connections

from kam import serve

STRONG_KEY = "serve-test-Kq3vX9pL2mN7rT5wY8zA1bC4dE6fG0hJ-sUuVvWwXx-0123"
# A developer's or CI's shell may hold these; each would change the configuration under test.
CLEARED = (
    *("DEBUG", "KAM_BENCH", "KAM_HTTPS", "KAM_DEMO_OTP_WAIVER"),
    *("PRINCIPAL_SIGNING_KEY", "ACCESS_LOG_SIGNING_KEY"),
    *("KAM_BIND", "PORT", "WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "STATIC_ROOT"),
    *("KAM_WORKER_QUEUES", "KAM_WORKER_CONCURRENCY", "KAM_BEAT_SCHEDULE"),
)


def _production_env(**overrides: str | None) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if name not in CLEARED}
    env.update(
        DATABASE_URL="postgresql://kam_app@127.0.0.1:5432/kam",
        DATABASE_SYSTEM_URL="postgresql://kam_system@127.0.0.1:5432/kam",
        DATABASE_OWNER_URL="postgresql://kam_owner@127.0.0.1:5432/kam",
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="127.0.0.1",
    )
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _serve(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "kam.serve", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.mark.parametrize("role", ["web", "worker", "beat", "release", "init-db"])
def test_every_role_refuses_to_start_on_the_embedded_default(role):
    result = _serve(role, env=_production_env(DATABASE_URL=None))

    assert result.returncode == 2
    assert f"kam.serve {role}: DATABASE_URL is not set" in result.stderr
    assert "`make run` only" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("role", ["worker", "beat", "release"])
def test_background_roles_refuse_to_start_without_the_system_role(role):
    result = _serve(role, env=_production_env(DATABASE_SYSTEM_URL=None))

    assert result.returncode == 2
    assert f"DATABASE_SYSTEM_URL is not set: `{role}` runs as the system role" in result.stderr


def test_release_refuses_to_migrate_without_the_owner_role():
    result = _serve("release", env=_production_env(DATABASE_OWNER_URL=None))

    assert result.returncode == 2
    assert "DATABASE_OWNER_URL is not set" in result.stderr


@pytest.mark.parametrize("role", ["web", "worker", "beat"])
def test_serving_roles_refuse_to_start_without_redis(role):
    result = _serve(role, env=_production_env(REDIS_URL=None))

    assert result.returncode == 2
    assert "REDIS_URL is not set" in result.stderr


def test_web_refuses_debug():
    result = _serve("web", env=_production_env(DEBUG="true"))

    assert result.returncode == 2
    assert "kam.serve web: DEBUG is on" in result.stderr


def test_a_weak_secret_key_is_refused_with_the_settings_own_message():
    result = _serve("worker", env=_production_env(SECRET_KEY="short"))

    assert result.returncode == 2
    assert "kam.serve worker: SECRET_KEY is too weak" in result.stderr
    assert "Traceback" not in result.stderr


def test_web_refuses_to_serve_static_files_that_were_never_collected(tmp_path):
    result = _serve("web", env=_production_env(STATIC_ROOT=str(tmp_path)))

    assert result.returncode == 2
    assert f"no collected static files in STATIC_ROOT ({tmp_path})" in result.stderr
    assert "run `python -m kam.serve release` first" in result.stderr


def test_beat_refuses_a_schedule_file_it_cannot_write():
    # Not even root may make a folder under /proc.
    result = _serve("beat", env=_production_env(KAM_BEAT_SCHEDULE="/proc/kam-beat/schedule"))

    assert result.returncode == 2
    assert "is not a writable folder: set KAM_BEAT_SCHEDULE" in result.stderr


def test_the_web_role_never_holds_the_system_or_owner_password():
    env = serve.role_environment(
        "web",
        _production_env(KAM_PROCESS="system", DATABASE_SUPERUSER_URL="postgresql://postgres:pw@db/postgres"),
    )

    assert env["KAM_PROCESS"] == "web"
    assert "DATABASE_URL" in env
    assert not {"DATABASE_SYSTEM_URL", "DATABASE_OWNER_URL", "DATABASE_SUPERUSER_URL"} & set(env)


def test_background_roles_run_as_the_system():
    assert serve.role_environment("worker", _production_env(KAM_PROCESS="web"))["KAM_PROCESS"] == "system"


def test_web_runs_gunicorn_with_workers_threads_timeout_and_address_from_the_environment():
    env = _production_env(WEB_CONCURRENCY="5", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="45", PORT="9000")

    command = serve.web_command(env)

    assert command[1:5] == ["-m", "gunicorn", "--config", "python:kam.gunicorn_conf"]
    options = dict(zip(command[5:-1:2], command[6:-1:2], strict=True))
    assert options == {"--bind": "0.0.0.0:9000", "--workers": "5", "--threads": "4", "--timeout": "45"}
    assert command[-1] == "kam.wsgi:application"
    assert serve.web_bind(_production_env(KAM_BIND="10.0.0.5:8001", PORT="9000")) == "10.0.0.5:8001"
    assert serve.web_bind(_production_env()) == "127.0.0.1:8000"


@pytest.mark.parametrize("value", ["many", "0", "-2", "1.5"])
def test_a_worker_count_that_is_not_a_whole_number_is_refused(value):
    message = f"WEB_CONCURRENCY must be a whole number of at least 1, not '{value}'"
    with pytest.raises(serve.Refusal, match=re.escape(message)):
        serve.web_command(_production_env(WEB_CONCURRENCY=value))


def test_the_worker_takes_the_default_and_the_scoring_queue_unless_told_otherwise():
    env = _production_env()

    assert serve.worker_queues(None, env, "scoring") == ["celery", "scoring"]
    assert serve.worker_queues(None, env, "celery") == ["celery"]
    assert serve.worker_queues("scoring", env, "scoring") == ["scoring"]
    assert serve.worker_queues(None, {**env, "KAM_WORKER_QUEUES": "a, b"}, "scoring") == ["a", "b"]
    with pytest.raises(serve.Refusal, match="names no queue"):
        serve.worker_queues(" , ", env, "scoring")


def test_the_worker_command_is_a_celery_worker_on_those_queues():
    command = serve.worker_command(
        _production_env(KAM_WORKER_CONCURRENCY="3"), ["celery", "scoring"], "scoring1@host"
    )

    assert command[1:6] == ["-m", "celery", "-A", "kam", "worker"]
    assert command[command.index("--queues") + 1] == "celery,scoring"
    assert command[command.index("--concurrency") + 1] == "3"
    assert command[command.index("--hostname") + 1] == "scoring1@host"


def test_beat_keeps_its_schedule_where_it_is_told(tmp_path):
    command = serve.beat_command(_production_env(KAM_BEAT_SCHEDULE=str(tmp_path / "beat" / "schedule")))

    assert command[1:6] == ["-m", "celery", "-A", "kam", "beat"]
    assert command[command.index("--schedule") + 1] == str(tmp_path / "beat" / "schedule")
    assert (tmp_path / "beat").is_dir()


def _storage_backend(env: dict[str, str]) -> str:
    code = "import kam.settings as s; print(s.STORAGES['staticfiles']['BACKEND'])"
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_serves_hashed_compressed_static_files_and_development_the_files_as_they_are():
    assert _storage_backend(_production_env()) == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert _storage_backend(_production_env(DEBUG="true")) == (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )


# The web role for real: collectstatic, then gunicorn against the test database.


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _web_database_url() -> str:
    web = settings.DATABASE_WEB
    password = f":{quote(web['PASSWORD'], safe='')}" if web.get("PASSWORD") else ""
    host = quote(web.get("HOST") or "127.0.0.1", safe="")
    name = connections["default"].settings_dict["NAME"]  # the test database (conftest.py)
    return f"postgresql://{quote(web['USER'], safe='')}{password}@{host}:{web.get('PORT') or 5432}/{name}"


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - a local http URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def gunicorn_web(django_db_setup, tmp_path):
    """`python -m kam.serve web` after the release's collectstatic, on a free port; its base URL."""
    port = _free_port()
    env = _production_env(
        DATABASE_URL=_web_database_url(),
        STATIC_ROOT=str(tmp_path / "static"),
        KAM_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=settings.BASE_DIR,
        env={**env, "KAM_PROCESS": "system"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert collect.returncode == 0, collect.stderr
    log = tmp_path / "web.log"
    with log.open("w") as output:
        web = subprocess.Popen(
            [sys.executable, "-m", "kam.serve", "web"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                assert web.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield base, web, log
    finally:
        web.terminate()
        web.wait(timeout=30)


def test_gunicorn_serves_the_health_check_the_login_page_and_immutable_compressed_static_files(gunicorn_web):
    base, web, log = gunicorn_web

    status, headers, _ = _get(f"{base}/healthz")
    assert status == 200
    assert headers["Server"].startswith("gunicorn")

    status, _, page = _get(f"{base}/login/?next=/accounts/%3Fq%3Dsecret-search")
    assert status == 200
    stylesheet = next(
        line.split('href="')[1].split('"')[0] for line in page.decode().splitlines() if "css/kam." in line
    )
    assert Path(stylesheet).name != "kam.css"  # the hashed copy, e.g. /static/css/kam.0123456789ab.css

    status, headers, body = _get(f"{base}{stylesheet}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert headers["Content-Encoding"] == "gzip"
    assert body[:2] == b"\x1f\x8b"

    web.terminate()
    assert web.wait(timeout=30) == 0
    access_log = log.read_text()
    assert '"GET /login/ HTTP/1.1" 200' in access_log
    assert "secret-search" not in access_log  # query strings are left out of the access log
    assert "Booting worker" in access_log
