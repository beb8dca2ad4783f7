"""Run KAM in production: `python -m kam.serve init-db | release | web | worker | beat`.

Each role reads the environment only (`.env.example`, docs/deployment.md) and never seeds demo data
or runs the development server; `make run` (kam/devstack.py) is the development stack.

- `init-db`: once per database server, as its superuser (`DATABASE_SUPERUSER_URL`): the three roles
  (kam/embedded.py `bootstrap_sql`), their passwords from the role URLs, and the database.
- `release`: once per deploy, before the new code serves: migrations as the owner role, then
  `collectstatic` (`--skip-collectstatic` where the image collected them at build).
- `web`: gunicorn (kam/gunicorn_conf.py) on the web role, with the system and owner URLs removed
  from its environment (docs/security.md).
- `worker`: a Celery worker as the system role, on the default queue and the scoring queue.
- `beat`: Celery beat, the nightly schedule; one per deployment.

A configuration that cannot work is refused before anything starts, with the reason, exit status 2.
"""

import argparse
import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kam import devstack, embedded

PYTHON = sys.executable
ROLES = ("init-db", "release", "web", "worker", "beat")
# Celery's own name for the queue tasks go to unless routed (settings.CELERY_TASK_ROUTES).
DEFAULT_QUEUE = "celery"
# The web app holds only the web role's URL: whoever holds the system role's reads everything.
WEB_WITHOUT = ("DATABASE_SYSTEM_URL", "DATABASE_OWNER_URL", "DATABASE_SUPERUSER_URL")
MANIFEST = "staticfiles.json"
MAX_DEFAULT_WORKERS = 9


class Refusal(Exception):
    """A configuration this role cannot run with; the message says what to set."""


def role_environment(role: str, environ: Mapping[str, str]) -> dict[str, str]:
    """The environment `role` runs with, or a Refusal naming what is missing."""
    env = dict(environ)
    if not env.get("DATABASE_URL"):
        raise Refusal(
            "DATABASE_URL is not set. python -m kam.serve runs KAM on your own PostgreSQL and Redis "
            "(docs/deployment.md); the embedded services are for `make run` only."
        )
    if role in {"web", "worker", "beat"} and not env.get("REDIS_URL"):
        raise Refusal("REDIS_URL is not set: the Celery broker and the cache, e.g. redis://redis:6379/0.")
    if role == "web":
        for name in WEB_WITHOUT:
            env.pop(name, None)
        env["KAM_PROCESS"] = "web"
        return env
    if not env.get("DATABASE_SYSTEM_URL"):
        raise Refusal(f"DATABASE_SYSTEM_URL is not set: `{role}` runs as the system role.")
    if role in {"init-db", "release"} and not env.get("DATABASE_OWNER_URL"):
        raise Refusal(f"DATABASE_OWNER_URL is not set: `{role}` needs the role owning the tables.")
    env["KAM_PROCESS"] = "system"
    return env


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise Refusal(f"{name} must be a whole number of at least 1, not {raw!r}.")
    return value


def web_bind(env: Mapping[str, str]) -> str:
    """KAM_BIND; else every interface on PORT (a platform's convention); else 127.0.0.1:8000."""
    if bind := env.get("KAM_BIND", "").strip():
        return bind
    if env.get("PORT", "").strip():
        return f"0.0.0.0:{_whole_number(env, 'PORT', 8000)}"
    return "127.0.0.1:8000"


def web_command(env: Mapping[str, str]) -> list[str]:
    # gunicorn's rule of thumb, capped: each process holds a database connection per thread.
    workers = _whole_number(env, "WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS))
    return [
        PYTHON, "-m", "gunicorn",
        "--config", "python:kam.gunicorn_conf",
        "--bind", web_bind(env),
        "--workers", str(workers),
        "--threads", str(_whole_number(env, "GUNICORN_THREADS", 1)),
        "--timeout", str(_whole_number(env, "GUNICORN_TIMEOUT", 30)),
        "kam.wsgi:application",
    ]  # fmt: skip


def worker_queues(option: str | None, env: Mapping[str, str], scoring_queue: str) -> list[str]:
    """--queues, else KAM_WORKER_QUEUES, else the default queue and the scoring queue."""
    raw = option if option is not None else env.get("KAM_WORKER_QUEUES", "")
    queues = [name.strip() for name in raw.split(",") if name.strip()]
    if raw.strip() and not queues:
        raise Refusal("--queues (or KAM_WORKER_QUEUES) names no queue.")
    return queues or list(dict.fromkeys([DEFAULT_QUEUE, scoring_queue]))


def worker_command(env: Mapping[str, str], queues: list[str], name: str | None) -> list[str]:
    command = [
        PYTHON, "-m", "celery", "-A", "kam", "worker",
        "--loglevel", env.get("LOG_LEVEL", "INFO"),
        "--queues", ",".join(queues),
    ]  # fmt: skip
    if env.get("KAM_WORKER_CONCURRENCY", "").strip():
        command += ["--concurrency", str(_whole_number(env, "KAM_WORKER_CONCURRENCY", 1))]
    if name:
        command += ["--hostname", name]
    return command


def beat_schedule_file(env: Mapping[str, str]) -> Path:
    return Path(env.get("KAM_BEAT_SCHEDULE", "").strip() or embedded.VAR_DIR / "celerybeat-schedule")


def beat_command(env: Mapping[str, str]) -> list[str]:
    schedule = beat_schedule_file(env)
    with contextlib.suppress(OSError):
        schedule.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(schedule.parent, os.W_OK):
        raise Refusal(
            f"beat keeps its schedule in {schedule}, but {schedule.parent} is not a writable folder: "
            "set KAM_BEAT_SCHEDULE to a file in one."
        )
    return [
        PYTHON, "-m", "celery", "-A", "kam", "beat",
        "--loglevel", env.get("LOG_LEVEL", "INFO"),
        "--schedule", str(schedule),
    ]  # fmt: skip


def load_settings(env: Mapping[str, str]):
    """Django's settings as the role will see them; a setting that refuses to load is a Refusal."""
    os.environ.clear()
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        debug = settings.DEBUG
    except ImproperlyConfigured as error:
        raise Refusal(str(error)) from None
    except ValueError as error:  # a number setting that is not one
        raise Refusal(f"a setting is not valid: {error}") from None
    if debug:
        raise Refusal("DEBUG is on: it shows settings and code to anyone on an error page. Unset it.")
    return settings


def static_files_collected(settings) -> bool:
    """False when pages would name hashed static files that were never collected."""
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    return "Manifest" not in backend or (Path(settings.STATIC_ROOT) / MANIFEST).is_file()


def _role_names_match(env: Mapping[str, str]) -> dict[str, str]:
    """The password each role's URL carries, once its user is checked to be the role bootstrap makes."""
    passwords = {}
    for variable, role in (
        ("DATABASE_URL", embedded.APP_ROLE),
        ("DATABASE_SYSTEM_URL", embedded.SYSTEM_ROLE),
        ("DATABASE_OWNER_URL", embedded.OWNER_ROLE),
    ):
        parts = urlsplit(env[variable])
        if unquote(parts.username or "") != role:
            raise Refusal(f"{variable} must connect as {role}, the role init-db creates.")
        passwords[role] = unquote(parts.password or "")
    return passwords


def init_db(env: Mapping[str, str]) -> None:
    """Roles, their passwords and the database, on a server reached as its superuser."""
    superuser_url = env.get("DATABASE_SUPERUSER_URL", "")
    if not superuser_url:
        raise Refusal(
            "DATABASE_SUPERUSER_URL is not set, e.g. postgresql://postgres:PASSWORD@db:5432/postgres."
        )
    passwords = _role_names_match(env)
    database = unquote(urlsplit(env["DATABASE_URL"]).path.lstrip("/"))
    import psycopg2
    from psycopg2 import sql

    try:
        connection = psycopg2.connect(superuser_url)
    except psycopg2.Error as error:
        raise Refusal(f"cannot connect with DATABASE_SUPERUSER_URL: {error}".strip()) from None
    connection.autocommit = True
    try:
        with contextlib.closing(connection), connection.cursor() as cursor:
            for statement in embedded.bootstrap_sql():
                cursor.execute(statement)
            for role, password in passwords.items():
                if password:
                    alter = sql.SQL("ALTER ROLE {} PASSWORD %s").format(sql.Identifier(role))
                    cursor.execute(alter, [password])
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
            if cursor.fetchone() is None:
                create = sql.SQL("CREATE DATABASE {} OWNER {}")
                cursor.execute(create.format(sql.Identifier(database), sql.Identifier(embedded.OWNER_ROLE)))
    except psycopg2.Error as error:  # e.g. DATABASE_SUPERUSER_URL is not a superuser
        raise Refusal(f"the database server refused: {error}".strip()) from None
    devstack.log(f"roles {', '.join(passwords)} and database {database} ready")


def release(env: dict[str, str], *, collect_static: bool) -> int:
    try:
        devstack.migrate(env)  # as the owner role, as `make run` does
        if collect_static:
            devstack.manage(env, "collectstatic", "--no-input", "-v", "1")
    except subprocess.CalledProcessError as failed:
        step = " ".join(failed.cmd[1:])
        print(f"kam.serve release: {step} failed (exit {failed.returncode})", file=sys.stderr)
        return 1
    devstack.log("release: migrated" + (", static files collected" if collect_static else ""))
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m kam.serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=ROLES)
    parser.add_argument("--queues", help="worker: comma-separated queues (default: celery and SCORING_QUEUE)")
    parser.add_argument("--name", help="worker: its node name, e.g. scoring1@%%h (default: Celery's)")
    parser.add_argument(
        "--skip-collectstatic", action="store_true", help="release: migrate only (static files collected)"
    )
    return parser.parse_args(argv)


def run(args: argparse.Namespace) -> int:
    env = role_environment(args.role, os.environ)
    if args.role == "init-db":
        init_db(env)
        return 0
    settings = load_settings(env)
    if args.role == "release":
        return release(env, collect_static=not args.skip_collectstatic)
    if args.role == "web":
        if not static_files_collected(settings):
            raise Refusal(
                f"no collected static files in STATIC_ROOT ({settings.STATIC_ROOT}): "
                "run `python -m kam.serve release` first."
            )
        command = web_command(env)
    elif args.role == "worker":
        command = worker_command(env, worker_queues(args.queues, env, settings.SCORING_QUEUE), args.name)
    else:
        command = beat_command(env)
    devstack.log(f"{args.role}: {' '.join(command[1:])}")
    sys.stdout.flush()
    # The server replaces this process: it receives the service manager's signals itself.
    os.execve(PYTHON, command, env)  # noqa: S606
    return 0  # not reached


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(args)
    except Refusal as refusal:
        print(f"kam.serve {args.role}: {refusal}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
