"""`manage.py seed_demo`: the demo portfolio (see demo/), on an empty database only."""

from collections import Counter

from django.conf import settings
from django.core.management.base import CommandError
from django.db import transaction

from compliance.commands import SystemCommand
from demo.builder import DemoBuilder, refusal_reason

SUMMARY = (
    "users",
    "segments",
    "accounts",
    "competitor links",
    "team members",
    "stakeholders",
    "business forces",
    "interactions",
    "follow-ups",
    "revenue months",
    "account plans",
    "plan actions",
)


class Command(SystemCommand):
    help = "Seed a realistic, deterministic demo portfolio into an empty database."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (instead of failing) when the database already has data.",
        )

    def run(self, *, if_empty: bool, **options) -> None:
        password = settings.DEMO_PASSWORD
        with transaction.atomic():
            reason = refusal_reason()
            if reason and if_empty:
                self.stdout.write(f"seed_demo: {reason}; nothing to do.")
                return
            if reason:
                raise CommandError(f"seed_demo only seeds an empty database: {reason}.")
            counts = DemoBuilder(password=password).build()
        self.stdout.write(self.style.SUCCESS(_summary(counts)))
        if not password:
            self.stdout.write(
                self.style.WARNING(
                    "DEMO_PASSWORD is empty: the demo users have unusable passwords and cannot log in "
                    "until passwords are set (manage.py changepassword <username>)."
                )
            )


def _summary(counts: Counter[str]) -> str:
    tiers = ", ".join(f"{counts[tier]} {tier}" for tier in ("key", "strategic", "standard"))
    parts = [f"{counts[name]} {name}" + (f" ({tiers})" if name == "accounts" else "") for name in SUMMARY]
    return "Seeded the demo portfolio: " + ", ".join(parts) + "."
