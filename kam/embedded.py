"""Where the embedded development services live, and how KAM's three database roles are created.

Used by settings (to find the embedded services when DATABASE_URL / REDIS_URL are unset) and by
`kam.devstack` (to start them). Importing this module must stay cheap: no Django, no pgserver.
"""

import hashlib
import tempfile
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
PG_DATA = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"

DATABASE_NAME = "kam"
OWNER_ROLE = "kam_owner"
APP_ROLE = "kam_app"
SYSTEM_ROLE = "kam_system"

# Unix socket paths are limited to ~107 bytes; a deep checkout falls back to a short /tmp path.
_SOCKET_PATH_LIMIT = 100


def _short_dir(path: Path) -> Path:
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"kam-{digest}"


def pg_socket_dir() -> Path:
    if len(str(PG_DATA / ".s.PGSQL.5432")) <= _SOCKET_PATH_LIMIT:
        return PG_DATA
    return _short_dir(PG_DATA)


def redis_socket() -> Path:
    sock = REDIS_DIR / "redis.sock"
    if len(str(sock)) <= _SOCKET_PATH_LIMIT:
        return sock
    return _short_dir(REDIS_DIR) / "redis.sock"


def database_url(role: str, socket_dir: Path | None = None) -> str:
    host = quote(str(socket_dir or pg_socket_dir()), safe="")
    return f"postgresql://{role}@{host}/{DATABASE_NAME}"


def redis_url() -> str:
    return f"unix://{redis_socket()}?db=0"


def bootstrap_sql() -> list[str]:
    """Statements a superuser runs (again and again: each is idempotent): roles and membership.

    The owner owns the tables and migrates. The web role (people) and the system role (Celery tasks,
    management commands) own nothing, are no superuser and cannot bypass row-level security; the
    policies treat only the system and owner roles as the system (docs/security.md). The system role
    is a member of the web role so that it can step down to it (`SET LOCAL ROLE`) for a user's work;
    the web role is never a member of the system role. Table privileges come from migrations.
    """
    # Role names are module constants, never input.
    limited = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION"
    return [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB;
              END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN;
              END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{SYSTEM_ROLE}') THEN
                CREATE ROLE {SYSTEM_ROLE} LOGIN;
              END IF;
            END $$""",  # noqa: S608
        f"ALTER ROLE {APP_ROLE} {limited}",
        f"ALTER ROLE {SYSTEM_ROLE} {limited} INHERIT",
        f"GRANT {APP_ROLE} TO {SYSTEM_ROLE}",
        # Undo a membership that would let the web role become the system (or the owner).
        f"REVOKE {SYSTEM_ROLE} FROM {APP_ROLE}",
        f"REVOKE {OWNER_ROLE} FROM {APP_ROLE}, {SYSTEM_ROLE}",
    ]


def ensure_database(cursor) -> None:
    """Create the roles and the database (owned by the owner role) if missing."""
    for statement in bootstrap_sql():
        cursor.execute(statement)
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE DATABASE {DATABASE_NAME} OWNER {OWNER_ROLE}")
