"""PostgreSQL backend that sets the principal (compliance/principal.py) on every transaction.

Django begins a transaction by turning autocommit off (`atomic()`); this backend then runs
`set_config(..., true)` at once, so the transaction's first statement already knows who is asking.
Statements outside `atomic()` (autocommit) carry no principal, so confidential tables look empty —
except on a connection configured with `KAM_PRINCIPAL: "system"` (the migrating owner role), which
acts as the system for its whole session.
"""

from django.db.backends.postgresql import base

from compliance import principal


class DatabaseWrapper(base.DatabaseWrapper):
    def init_connection_state(self) -> None:
        super().init_connection_state()
        if self.settings_dict.get("KAM_PRINCIPAL") == principal.SYSTEM_KIND:
            with self.connection.cursor() as cursor:
                cursor.execute("SELECT set_config('kam.principal', %s, false)", [principal.SYSTEM_KIND])
            if not self.get_autocommit():
                self.connection.commit()

    def _set_autocommit(self, autocommit: bool) -> None:
        super()._set_autocommit(autocommit)
        if not autocommit:
            with self.connection.cursor() as cursor:
                cursor.execute(principal.SET_SQL, principal.for_new_transaction(self).settings())
