from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.signin.sessions import session_start

        # Every new session starts its idle and absolute clocks (accounts/signin/sessions.py).
        user_logged_in.connect(session_start, dispatch_uid="accounts.signin.session_start")
