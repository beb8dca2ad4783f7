"""Base class of KAM's management commands: an operator's command is background work."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from compliance import principal


class SystemCommand(BaseCommand):
    """Runs `run(**options)` as the system principal (row-level security sees every account).

    The database grants the system only to the system role (docs/security.md): on the web role the
    command would see no confidential row and quietly do nothing, so it refuses instead.
    """

    def handle(self, *args, **options):
        if connection.settings_dict["USER"] == settings.DATABASE_ROLES["web"]:
            raise CommandError(
                "This command is background work: run it with KAM_PROCESS=system and DATABASE_SYSTEM_URL "
                "(manage.py sets KAM_PROCESS for every command but runserver)."
            )
        with principal.system():
            return self.run(**options)

    def run(self, **options):
        raise NotImplementedError
