from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # accounts sits below compliance and cannot import the wall: it asks the rule installed here.
        from accounts.services import staffing_rule_register
        from compliance import audit
        from compliance.access import staffing_refused

        staffing_rule_register(staffing_refused)
        audit.connect()
