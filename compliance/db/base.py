"""PostgreSQL backend that applies the principal (compliance/principal.py) to every transaction.

Django begins a transaction by turning autocommit off (`atomic()`); this backend then sets the
transaction's role and user claim at once, so its first statement already knows who is asking.
Statements outside `atomic()` run as the login role, stepped down to the web role while a person's
principal is current. The owner's connection (`KAM_ROLE: "owner"`, migrations) is the system by its
role and gets no principal.
"""

from django.db.backends.postgresql import base

from compliance import principal


class DatabaseWrapper(base.DatabaseWrapper):
    kam_session_role = principal.LOGIN_ROLE

    def _is_owner(self) -> bool:
        return self.settings_dict.get("KAM_ROLE") == "owner"

    def init_connection_state(self) -> None:
        super().init_connection_state()
        self.kam_session_role = principal.LOGIN_ROLE
        if self._is_owner():
            return
        principal.apply_session(self, principal.current())
        if not self.get_autocommit():
            self.connection.commit()

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)
        if not autocommit and not self._is_owner():
            principal.apply(self, principal.for_new_transaction(self))
