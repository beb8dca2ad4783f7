from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate

from compliance import principal


def _store_principal_key(sender, using, **kwargs):
    # On every migrate, as the owner: the key that user proofs are checked against (docs/security.md).
    principal.store_key(connections[using])


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # accounts sits below compliance and cannot import the wall: it asks the rule installed here.
        from accounts.services import staffing_rule_register
        from compliance import audit, signin_log
        from compliance.access import staffing_refused

        staffing_rule_register(staffing_refused)
        audit.connect()
        signin_log.connect()
        post_migrate.connect(_store_principal_key, sender=self, dispatch_uid="compliance.principal_key")
