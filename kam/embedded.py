"""Where the embedded development services live, and how both database roles are created.

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
    """Statements a superuser runs once: the owner role, the app role and the database.

    The app role owns nothing, is no superuser and cannot bypass row-level security; its table
    privileges are granted by the migration `kam.0001_app_role_privileges`.
    """
    return [
        # Role names are module constants, never input.
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER_ROLE}') THEN
                CREATE ROLE {OWNER_ROLE} LOGIN CREATEDB;
              END IF;
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
              END IF;
            END $$""",  # noqa: S608
    ]


def ensure_database(cursor) -> None:
    """Create the roles and the database (owned by the owner role) if missing."""
    for statement in bootstrap_sql():
        cursor.execute(statement)
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
    if cursor.fetchone() is None:
        cursor.execute(f"CREATE DATABASE {DATABASE_NAME} OWNER {OWNER_ROLE}")
