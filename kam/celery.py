import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.conf import settings

from kam.lib import task_log

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")

app = Celery("kam")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Each feature of `relationships` keeps its own tasks module.
app.autodiscover_tasks(["relationships.scoring", "relationships.dashboards"])
# Each task's log line (task name, id, duration, outcome) and its metrics (docs/operations.md).
task_log.connect_signals()


@worker_init.connect
def _refuse_the_web_role(**kwargs):
    # A worker is background work: it connects as the system role (docs/security.md), or every task
    # would see no confidential row and quietly do nothing.
    if settings.DATABASES["default"]["USER"] == settings.DATABASE_ROLES["web"]:
        raise RuntimeError("Celery workers run with KAM_PROCESS=system and DATABASE_SYSTEM_URL.")


# Every task runs under the explicit system principal (compliance/principal.py): row-level security
# lets background work see all accounts; web requests act as their user instead.
@task_prerun.connect
def _enter_system_principal(task_id=None, **kwargs):
    from compliance import principal

    _principal_tokens[task_id] = principal.enter(principal.SYSTEM)


@task_postrun.connect
def _leave_system_principal(task_id=None, **kwargs):
    from compliance import principal

    token = _principal_tokens.pop(task_id, None)
    if token is not None:
        principal.leave(token)


_principal_tokens: dict = {}
