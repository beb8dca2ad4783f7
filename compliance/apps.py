from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Compliance"

    def ready(self) -> None:
        # accounts sits below compliance and cannot import the wall: it asks the rule installed here.
        from accounts.services import staffing_rule_register
        from compliance.access import staffing_conflicts

        staffing_rule_register(staffing_conflicts)
