"""Base class of KAM's management commands: an operator's command is background work."""

from django.core.management.base import BaseCommand

from compliance import principal


class SystemCommand(BaseCommand):
    """Runs `run(**options)` as the system principal (row-level security sees every account)."""

    def handle(self, *args, **options):
        with principal.system():
            return self.run(**options)

    def run(self, **options):
        raise NotImplementedError
