from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _sync_roles(sender, using, **kwargs):
    # Groups need every app's permissions, which exist only once the last app's post_migrate ran.
    last_app = [config for config in apps.get_app_configs() if config.models_module][-1]
    if sender is last_app:
        from kam.roles import sync_role_groups

        sync_role_groups(using=using)


class KamConfig(AppConfig):
    name = "kam"
    verbose_name = "KAM"

    def ready(self) -> None:
        post_migrate.connect(_sync_roles, dispatch_uid="kam.sync_roles")
