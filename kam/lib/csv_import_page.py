"""The page every CSV import shares: upload → dry run (preview) → confirm by sending the same file.

Nothing of the file is kept on the server between the two steps: the dry-run page carries a signed
digest of the file, and the confirmation must send a file with that digest (kam/lib/csv_import.py).
With htmx the dry run swaps only the result area, so the browser keeps the chosen file for the
confirmation; without it the page asks for the same file again.

Every import view is decorated with `csv_upload(kind)`, so a file over the kind's limit is refused
while it arrives, never received whole (kam/lib/upload_limit.py).
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from kam.lib.csv_import import (
    ConfirmationRefused,
    CsvFileError,
    ImportKind,
    confirmation_check,
    confirmation_claim,
    confirmation_release,
    confirmation_sign,
    read_upload,
    run_import,
    too_large,
)
from kam.lib.upload_limit import upload_limit, upload_refused


class CsvUploadForm(forms.Form):
    file = forms.FileField(label="CSV file")


def csv_upload(kind: ImportKind):
    """Decorates the view of an import of `kind`: its files are limited while they arrive."""
    return upload_limit(kind.max_bytes)


def csv_import_page(
    request: HttpRequest,
    *,
    kind: ImportKind,
    context: object,
    scope: str,
    template: str,
    page: dict,
    done_url: str,
    done_message: str,
) -> HttpResponse:
    """Render `template` with the dry run's outcome, or import and redirect to `done_url`.

    `scope` (an account id, say) and the user salt the confirmation, so it serves this page only.
    `done_message` is formatted with the number of rows imported as `{count}`.
    """
    limit = getattr(request, "upload_limit", None)
    if limit is None or limit.max_bytes != kind.max_bytes:
        raise ImproperlyConfigured(f"Decorate the view of the {kind.slug} import with csv_upload(kind).")
    if upload_refused(request):
        page = {**page, "kind": kind, "form": CsvUploadForm(), "problem": str(too_large(kind.max_bytes))}
        return render(request, template, page)
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    page = {**page, "kind": kind, "form": form}
    if request.method != "POST" or not form.is_valid():
        return render(request, template, page)
    salt = f"kam.csv-import:{kind.slug}:{scope}:{request.user.pk}"
    confirm = "confirm" in request.POST
    token = request.POST.get("confirmation", "")
    try:
        data = read_upload(form.cleaned_data["file"], max_bytes=kind.max_bytes)
        if confirm:
            confirmation_check(data, token, salt=salt)
            confirmation_claim(token)
        result = run_import(kind, data, context=context, commit=confirm)
    except (CsvFileError, ConfirmationRefused) as problem:
        page["problem"] = str(problem)
        return render(request, template, page)
    if result.written:
        messages.success(request, done_message.format(count=result.rows))
        return HttpResponseClientRedirect(done_url) if request.htmx else redirect(done_url)
    if confirm:
        confirmation_release(token)  # nothing was written (the data changed since the dry run)
    page["result"] = result
    if not result.errors:
        page["confirmation"] = confirmation_sign(data, salt=salt)
    return render(request, template, page)
