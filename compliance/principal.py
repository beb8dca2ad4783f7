"""Who the database thinks is asking: the principal of the current transaction (docs/security.md).

- The **system** is a role, not a setting: a statement is the system's when it runs as the system
  role (Celery workers and management commands log in as it) or as the owner (migrations). The web
  role can never become it: no SQL it may send changes its role or grants it the system role.
- A **user** (a web request's person) runs as the web role with two transaction-local settings:
  `kam.user_id` and `kam.user_proof`, an HMAC of the user id and the transaction's start time under
  a key only the owner can read in the database (stored there on every migrate, `store_key`).
  The policies accept the user only when `compliance_principal_user_id()` verifies the proof, so a
  connection cannot claim another user by `set_config` alone, nor replay a proof in another
  transaction.
- **Nobody** (an anonymous request, or a user-less principal): the web role with no user;
  confidential tables look empty.

A system-role connection steps down to the web role (`SET LOCAL ROLE`) for a user or nobody, and back
(`RESET ROLE`) for the system; on a web-role connection both are no-ops. The principal lives in a
context variable. The database backend (compliance/db) applies it when a transaction begins and when
a connection opens; `acting_as()` also applies it at once on an open connection, and puts the
previous one back on exit.
"""

import contextlib
import dataclasses
import functools
import hashlib
import hmac
from collections.abc import Iterator
from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections

USER = "user"
SYSTEM_KIND = "system"
# `SET ROLE NONE`: back to the role the connection logged in as.
LOGIN_ROLE = "none"


@dataclasses.dataclass(frozen=True)
class Principal:
    kind: str
    user_id: int | None = None


SYSTEM = Principal(SYSTEM_KIND)
NOBODY = Principal("")

_current: ContextVar[Principal | None] = ContextVar("kam_principal", default=None)

# One round trip for the role and the claim; the proof needs the transaction's start (its tag).
CLAIM_SQL = (
    "SELECT set_config('role', %s, true), set_config('kam.user_id', %s, true), "
    "set_config('kam.user_proof', '', true), compliance_transaction_tag()"
)
PROOF_SQL = "SELECT set_config('kam.user_proof', %s, true)"
NO_USER_SQL = (
    "SELECT set_config('role', %s, true), set_config('kam.user_id', '', true), "
    "set_config('kam.user_proof', '', true)"
)
SESSION_ROLE_SQL = "SELECT set_config('role', %s, false)"
STORE_KEY_SQL = """
    INSERT INTO compliance_principalkey (id, inner_pad, outer_pad, stored_at) VALUES (1, %s, %s, now())
    ON CONFLICT (id) DO UPDATE SET inner_pad = excluded.inner_pad, outer_pad = excluded.outer_pad,
                                   stored_at = excluded.stored_at
"""


def for_user(user) -> Principal:
    """The principal of a web request's user (an anonymous user reads nothing confidential)."""
    if user is not None and user.is_authenticated and user.is_active:
        return Principal(USER, user.pk)
    return Principal(USER, None)


def current() -> Principal | None:
    return _current.get()


def acting_user():
    """The person the current transaction acts for; None for the system or nobody."""
    principal = _current.get()
    if principal is None or principal.user_id is None:
        return None
    return get_user_model().objects.filter(pk=principal.user_id).first()


# The proof. --------------------------------------------------------------------------------------


@functools.cache
def _key(signing_key: str) -> bytes:
    return hmac.new(signing_key.encode(), b"kam.principal", hashlib.sha256).digest()


def key() -> bytes:
    """The HMAC key of user proofs, derived from PRINCIPAL_SIGNING_KEY (SECRET_KEY by default)."""
    return _key(settings.PRINCIPAL_SIGNING_KEY)


def proof(user_id: int, tag: str) -> str:
    """HMAC-SHA256 of `user_id:tag`; the database recomputes it from the key's pads."""
    return hmac.new(key(), f"{user_id}:{tag}".encode(), hashlib.sha256).hexdigest()


def key_pads() -> tuple[bytes, bytes]:
    """The key XOR ipad and XOR opad (RFC 2104): with them SQL's sha256() computes the same HMAC."""
    block = key().ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def store_key(connection) -> bool:
    """Store the key's pads in the database, as the owner (a migrate); False where not allowed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass('compliance_principalkey') IS NOT NULL "
            "AND has_table_privilege('compliance_principalkey', 'UPDATE')"
        )
        (allowed,) = cursor.fetchone()
        if allowed:
            cursor.execute(STORE_KEY_SQL, key_pads())
    return bool(allowed)


# Applying a principal. -----------------------------------------------------------------------------


def _web_role(connection) -> str:
    """The role a user or nobody runs as: the web role (`none` when the login role already is)."""
    web = settings.DATABASE_ROLES["web"]
    return LOGIN_ROLE if connection.settings_dict.get("USER") == web else web


def session_role(connection, principal: Principal | None) -> str:
    """The role statements outside a transaction run as: the login role unless a person is acting."""
    if principal is None or principal.kind == SYSTEM_KIND:
        return LOGIN_ROLE
    return _web_role(connection)


def apply(connection, principal: Principal) -> None:
    """Set the principal on `connection`'s open transaction (a raw cursor: not a counted query)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        if principal.kind == SYSTEM_KIND:
            cursor.execute(NO_USER_SQL, [LOGIN_ROLE])
        elif principal.kind == USER and principal.user_id is not None:
            cursor.execute(CLAIM_SQL, [_web_role(connection), str(principal.user_id)])
            tag = cursor.fetchone()[3]
            cursor.execute(PROOF_SQL, [proof(principal.user_id, tag)])
        else:
            cursor.execute(NO_USER_SQL, [_web_role(connection)])


def apply_session(connection, principal: Principal | None) -> None:
    """Step the session down to the web role (or back) for statements outside transactions."""
    role = session_role(connection, principal)
    if getattr(connection, "kam_session_role", LOGIN_ROLE) == role:
        return
    with connection.connection.cursor() as cursor:
        cursor.execute(SESSION_ROLE_SQL, [role])
    connection.kam_session_role = role


def _apply_now(connection) -> None:
    if connection.connection is None or connection.settings_dict.get("KAM_ROLE") == "owner":
        return  # applied when it connects (compliance/db)
    if connection.in_atomic_block and connection.needs_rollback:
        return
    apply_session(connection, _current.get())
    if connection.in_atomic_block:
        apply(connection, for_new_transaction(connection))


@contextlib.contextmanager
def acting_as(principal: Principal, using: str = "default") -> Iterator[Principal]:
    """Run the block as `principal`: every statement on `using`, in transactions or not."""
    connection = connections[using]
    token = _current.set(principal)
    _apply_now(connection)
    try:
        yield principal
    finally:
        _current.reset(token)
        _apply_now(connection)


def enter(principal: Principal):
    """Make `principal` current for transactions begun from now on (a worker's task); see `leave`."""
    return _current.set(principal)


def leave(token) -> None:
    _current.reset(token)


def system() -> contextlib.AbstractContextManager[Principal]:
    """Background work (tasks, commands): the explicit system principal."""
    return acting_as(SYSTEM)


def for_new_transaction(connection) -> Principal:
    # No principal set: the login role decides (the system role is the system, the web role nobody).
    return _current.get() or SYSTEM
