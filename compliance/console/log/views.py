"""The compliance console's access-log pages: search, CSV export, anomalies, who could / did see.

For compliance officers only (`compliance.view_accesslogentry`; 403 for everyone else). Every read
of the log is itself logged (object type "access_log", the filter as the reason). Account names are
sanitized data, looked up by id; the log's own text is shown as it was recorded (escaped) and
guarded against spreadsheet formulas on export.
"""

import csv
import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from compliance import access_log
from compliance.console.log.forms import AccessLogFilterForm, AnomalyForm, WhoSawForm
from compliance.console.log.selectors import (
    accounts_per_day,
    denials_per_day,
    log_entries,
    many_accounts_in_a_day,
    many_denials_in_a_day,
    recent_denials,
    signin_failures,
    who_saw,
    with_account_names,
)
from kam.lib.csv_guard import csv_safe

PERMISSION = "compliance.view_accesslogentry"
PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
EXPORT_BATCH = 2000
CSV_HEADERS = [
    "id",
    "time (UTC)",
    "user id",
    "username",
    "account id",
    "account",
    "object type",
    "object id",
    "action",
    "path",
    "ip",
    "outcome",
    "reason",
    "hash",
]


def _log_read(request, *, action: str, reason: str, account_id: int | None = None) -> None:
    access_log.record(
        user=request.user, account_id=account_id, object_type="access_log", action=action, reason=reason
    )


def _query(form) -> str:
    """The filter as a query string (for pagination and the export link)."""
    if not form.is_bound:
        return ""
    pairs = [(name, form.data.get(name, "")) for name in form.fields]
    return urlencode([(name, value) for name, value in pairs if value])


@permission_required(PERMISSION, raise_exception=True)
def log_search(request):
    form = AccessLogFilterForm(request.GET or None)
    page = None
    if not form.is_bound or form.is_valid():
        filters = form.filters() if form.is_bound else {}
        page = Paginator(log_entries(**filters), PAGE_SIZE).get_page(request.GET.get("page"))
        with_account_names(page.object_list)
        summary = form.summary() if form.is_bound else "no filter"
        _log_read(
            request,
            action="search",
            reason=f"{summary}; page {page.number}",
            account_id=form.single_account_id() if form.is_bound else None,
        )
    query = _query(form)
    return render(
        request,
        "compliance/log/search.html",
        {"form": form, "page": page, "query": query, "filtered": bool(query)},
    )


@permission_required(PERMISSION, raise_exception=True)
def log_export(request):
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, "Fix the filter before exporting: " + _errors(form))
        return _back_to_search(form)
    entries = log_entries(**form.filters()) if form.is_bound else log_entries()
    if entries[EXPORT_LIMIT : EXPORT_LIMIT + 1].exists():
        messages.error(
            request, f"More than {EXPORT_LIMIT:,} entries match: narrow the filter (dates, user or account)."
        )
        return _back_to_search(form)
    summary = form.summary() if form.is_bound else "no filter"
    _log_read(
        request,
        action="export",
        reason=summary,
        account_id=form.single_account_id() if form.is_bound else None,
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="access-log-{stamp}.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADERS)
    batch: list = []
    for entry in entries.iterator(chunk_size=EXPORT_BATCH):
        batch.append(entry)
        if len(batch) == EXPORT_BATCH:
            _write_rows(writer, batch)
            batch = []
    _write_rows(writer, batch)
    return response


def _write_rows(writer, entries: list) -> None:
    for entry in with_account_names(entries):
        writer.writerow(
            [
                csv_safe(value)
                for value in (
                    entry.pk,
                    entry.at.astimezone(datetime.UTC).isoformat(),
                    entry.user_id,
                    entry.username,
                    entry.account_id,
                    entry.account_name,
                    entry.object_type,
                    entry.object_id,
                    entry.action,
                    entry.path,
                    entry.ip,
                    entry.outcome,
                    entry.reason,
                    entry.hash,
                )
            ]
        )


def _errors(form) -> str:
    return "; ".join(
        f"{form.fields[name].label if name in form.fields else 'filter'}: {' '.join(errors)}"
        for name, errors in form.errors.items()
    )


def _back_to_search(form):
    query = _query(form)
    url = reverse("compliance:log")
    return redirect(f"{url}?{query}" if query else url)


@permission_required(PERMISSION, raise_exception=True)
def log_anomalies(request):
    form = AnomalyForm(request.GET or {})
    context = {"form": form, "accounts_per_day": accounts_per_day(), "denials_per_day": denials_per_day()}
    if form.is_valid():
        start, end = form.window()
        context.update(
            denials=recent_denials(start=start, end=end),
            many_accounts=many_accounts_in_a_day(start=start, end=end),
            many_denials=many_denials_in_a_day(start=start, end=end),
            signin=signin_failures(start=start, end=end),
            limit_username=settings.LOGIN_FAILURE_LIMIT_USERNAME,
            limit_address=settings.LOGIN_FAILURE_LIMIT_ADDRESS,
            lockout_minutes=settings.LOGIN_LOCKOUT_MINUTES,
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        _log_read(request, action="anomalies", reason=form.summary())
    return render(request, "compliance/log/anomalies.html", context)


@permission_required(PERMISSION, raise_exception=True)
def who_saw_view(request):
    form = WhoSawForm(request.GET or None)
    context = {"form": form}
    if form.is_bound and form.is_valid():
        start, end = form.window()
        context.update(
            account=form.account,
            result=who_saw(account=form.account, start=start, end=end),
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
        _log_read(request, action="who_saw", reason=form.summary(), account_id=form.account.pk)
    return render(request, "compliance/log/who_saw.html", context)
