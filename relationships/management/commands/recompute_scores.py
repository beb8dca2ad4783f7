"""`manage.py recompute_scores`: the nightly scoring run, now, in this process, with a progress bar."""

import datetime
import sys

from django.core.management.base import CommandError
from django.utils import timezone

from compliance.commands import SystemCommand
from relationships.scoring import services as scoring


def progress_bar(stream, width: int = 30):
    def show(done: int, total: int, seconds: float) -> None:
        filled = width * done // max(total, 1)
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} chunks {seconds:6.1f}s")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


class Command(SystemCommand):
    help = "Recompute every account's health and CLV for a day (default today), as the nightly run does."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=datetime.date.fromisoformat, help="Score as of YYYY-MM-DD.")
        parser.add_argument("--chunk-size", type=int, help="Accounts per chunk (SCORING_CHUNK_SIZE).")
        parser.add_argument(
            "--force", action="store_true", help="Mark runs still marked running as abandoned first."
        )
        parser.add_argument(
            "--celery", action="store_true", help="Send the run to the Celery workers instead."
        )

    def run(self, *, date, chunk_size, force, celery, **options) -> None:
        day = date or timezone.localdate()
        if force:
            self.stdout.write(f"abandoned {scoring.scoring_runs_abandon()} running run(s)")
        if celery:
            from relationships.scoring.tasks import scoring_nightly

            scoring_nightly.delay(day.isoformat(), chunk_size)
            self.stdout.write(f"sent the scoring run for {day} to the workers")
            return
        bar = progress_bar(sys.stderr) if options["verbosity"] else None
        run = scoring.scoring_run_now(scored_on=day, chunk_size=chunk_size, progress=bar)
        if run is None:
            raise CommandError("Another scoring run is starting or running; try later, or use --force.")
        self.stdout.write(
            f"scoring run {run.pk} for {day}: {run.status}, {run.accounts} accounts, "
            f"{run.chunks_done}/{run.chunks_total} chunks, {run.chunks_failed} failed, {run.seconds:.2f}s"
        )
