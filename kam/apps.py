from django.apps import AppConfig, apps
from django.conf import settings
from django.core import checks
from django.db.models.signals import post_migrate


def _sync_roles(sender, using, **kwargs):
    # Groups need every app's permissions, which exist only once the last app's post_migrate ran.
    last_app = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is last_app:
        from kam.roles import sync_role_groups

        sync_role_groups(using=using)


def _https_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    # Django's own warnings name settings KAM derives from KAM_HTTPS; this one names the variable.
    if settings.KAM_HTTPS:
        return []
    return [
        checks.Warning(
            "KAM_HTTPS is not set: plain HTTP is not redirected and browsers get no HSTS header.",
            hint="Serve KAM over HTTPS only and set KAM_HTTPS=1 (docs/security.md, Deployment checks).",
            id="kam.W001",
        )
    ]


class KamConfig(AppConfig):
    name = "kam"
    verbose_name = "KAM"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="kam.sync_roles")
        checks.register(_https_check, checks.Tags.security, deploy=True)
