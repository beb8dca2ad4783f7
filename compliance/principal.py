"""Who the database thinks is asking: the principal of the current transaction.

Row-level security (compliance/migrations) reads two settings, set per transaction with
`set_config(..., true)`:

- `kam.principal`: `user` for a person (web requests) or `system` for background work (Celery
  tasks, management commands, migrations). Unset means nobody: confidential tables look empty.
- `kam.user_id`: the person's user id when the principal is `user`.

The principal lives in a context variable. The database backend (compliance/db) applies it when a
transaction begins; `acting_as()` also applies it at once when a transaction is already open (as in
tests), and puts the previous one back on exit.
"""

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar

from django.contrib.auth import get_user_model
from django.db import connections

USER = "user"
SYSTEM_KIND = "system"


@dataclasses.dataclass(frozen=True)
class Principal:
    kind: str
    user_id: int | None = None

    def settings(self) -> tuple[str, str]:
        return self.kind, "" if self.user_id is None else str(self.user_id)


SYSTEM = Principal(SYSTEM_KIND)
NOBODY = Principal("")

_current: ContextVar[Principal | None] = ContextVar("kam_principal", default=None)

SET_SQL = "SELECT set_config('kam.principal', %s, true), set_config('kam.user_id', %s, true)"


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


def apply(connection, principal: Principal) -> None:
    """Set the principal on `connection`'s open transaction (a raw cursor: not a counted query)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(SET_SQL, principal.settings())


@contextlib.contextmanager
def acting_as(principal: Principal, using: str = "default") -> Iterator[Principal]:
    """Run the block as `principal`: every transaction begun inside, and the open one if any."""
    connection = connections[using]
    token = _current.set(principal)
    if connection.in_atomic_block and not connection.needs_rollback:
        apply(connection, principal)
    try:
        yield principal
    finally:
        _current.reset(token)
        if connection.in_atomic_block and not connection.needs_rollback:
            apply(connection, _current.get() or _default(connection))


def enter(principal: Principal):
    """Make `principal` current for transactions begun from now on (a worker's task); see `leave`."""
    return _current.set(principal)


def leave(token) -> None:
    _current.reset(token)


def system() -> contextlib.AbstractContextManager[Principal]:
    """Background work (tasks, commands): the explicit system principal."""
    return acting_as(SYSTEM)


def _default(connection) -> Principal:
    kind = connection.settings_dict.get("KAM_PRINCIPAL", "")
    return SYSTEM if kind == SYSTEM_KIND else NOBODY


def for_new_transaction(connection) -> Principal:
    return _current.get() or _default(connection)
