"""`manage.py verify_access_log`: recompute the access log's hash chain and report.

    access log: N entries, chain intact, head <hash>

or the first broken link (entry id and what is wrong), exiting non-zero. `--export-head FILE`
writes the chain's head, signed with ACCESS_LOG_SIGNING_KEY, to keep apart from the database;
`--check-head FILE` checks such a head later: still in the chain, same count up to it, signature
authentic. A head that no longer holds exits non-zero. Runs as the system principal.
"""

import json
from pathlib import Path

from django.core.management.base import CommandError

from compliance import access_log
from compliance.commands import SystemCommand


class Command(SystemCommand):
    help = "Verify the access log's hash chain; export or check its signed head."

    def add_arguments(self, parser):
        parser.add_argument(
            "--export-head", metavar="FILE", help="Write the signed head of the chain to FILE."
        )
        parser.add_argument("--check-head", metavar="FILE", help="Check a head exported earlier.")

    def run(self, *, export_head=None, check_head=None, **options):
        head = self._read_head(check_head) if check_head else None
        report = access_log.verify_chain()
        if not report.ok:
            raise CommandError(
                f"access log: chain broken at entry {report.broken_id}: {report.problem} "
                f"({report.count} entries verified before it)"
            )
        self.stdout.write(f"access log: {report.count} entries, chain intact, head {report.last_hash}")
        if check_head:
            problem = access_log.check_head(head)
            if problem:
                raise CommandError(f"head {check_head}: {problem}")
            self.stdout.write(
                f"head {check_head}: authentic and still in the chain "
                f"(entry {head['last_id']}, {head['count']} entries)"
            )
        if export_head:
            signed = access_log.sign_head(report)
            try:
                Path(export_head).write_text(json.dumps(signed, indent=2) + "\n", encoding="utf-8")
            except OSError as error:
                raise CommandError(f"cannot write {export_head}: {error}") from error
            self.stdout.write(f"head written to {export_head}")

    def _read_head(self, path: str) -> dict:
        try:
            head = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        except ValueError as error:
            raise CommandError(f"head {path}: not JSON ({error})") from error
        if not isinstance(head, dict):
            raise CommandError(f"head {path}: this is not a head exported by verify_access_log")
        return head
