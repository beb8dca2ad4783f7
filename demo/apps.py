from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "Demo portfolio"

    def ready(self) -> None:
        # accounts cannot import the demo: it is told which usernames the development-only
        # DEMO_OTP_WAIVER may apply to (kam/settings.py refuses the waiver outside the embedded default).
        from accounts.signin.services import waiver_register
        from demo.data import OTP_WAIVED

        waiver_register(OTP_WAIVED)
