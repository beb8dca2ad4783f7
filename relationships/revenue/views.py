"""Monthly revenue and margin CSV import: upload → dry run (nothing written) → confirm."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render

from relationships.interactions.forms import CsvUploadForm
from relationships.revenue.imports import COLUMNS, MAX_ROWS, parse_revenue_csv
from relationships.revenue.services import IMPORT_PERMISSION, RevenueImportError, revenue_import

MAX_BYTES = 5 * 1024 * 1024
SESSION_KEY = "csv-import:revenue"


def _check(user, data: bytes) -> tuple[int, list]:
    """(valid rows, errors) for `data`, with every check the real import makes, writing nothing."""
    rows, errors = parse_revenue_csv(data)
    try:
        return revenue_import(actor=user, rows=rows, errors=errors, commit=False), []
    except RevenueImportError as failure:
        return 0, failure.errors


@permission_required(IMPORT_PERMISSION, raise_exception=True)
def revenue_import_page(request):
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    context = {"form": form, "columns": COLUMNS, "max_rows": MAX_ROWS}
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            form.add_error("file", "The file is larger than 5 MB; split it.")
        else:
            data = upload.read()
            context["count"], context["errors"] = _check(request.user, data)
            if not context["errors"]:
                context["token"] = secrets.token_urlsafe(16)
                request.session[SESSION_KEY] = {"token": context["token"], "data": data.decode("utf-8-sig")}
    return render(request, "relationships/revenue_import.html", context)


def _confirm(request):
    pending = request.session.pop(SESSION_KEY, None)
    if not pending or not secrets.compare_digest(pending["token"], request.POST.get("token", "")):
        messages.error(request, "That import expired or was already done; upload the file again.")
        return redirect(request.path)
    rows, errors = parse_revenue_csv(pending["data"].encode())
    try:
        count = revenue_import(actor=request.user, rows=rows, errors=errors)
    except RevenueImportError as failure:
        # Something changed since the dry run (an account left your teams, say).
        messages.error(
            request, f"Nothing was imported: {failure.errors[0].message} (line {failure.errors[0].line})."
        )
        return redirect(request.path)
    messages.success(request, f"Imported {count} monthly revenue rows; scores refresh in the background.")
    return redirect(request.path)
