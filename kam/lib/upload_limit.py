"""Uploads refused while they arrive: a file over its limit is never held whole, in memory or on disk.

Django parses a multipart body the first time something reads `request.POST` or `request.FILES`,
handing each file's chunks to the upload handlers in turn (memory, then a temporary file). The
`LimitedUploadHandler` goes first: it passes on at most its limit of file bytes, then makes Django
skip the rest of the file (read and thrown away, so the browser still gets the page). Settings put
one in front of every request with the largest limit (`UPLOAD_MAX_BYTES`); `upload_limit(n)`
gives a view its own, and refuses a body whose Content-Length already says it is too big without
reading it at all. Either way the view asks `upload_refused(request)` and says so on its page.

CSRF middleware reads `request.POST` before the view runs, which would parse the body before the
view could install its handler; so the decorated view is exempted from the middleware and checked
by `csrf_protect` after the handler is in place (the order Django's documentation on upload
handlers prescribes). A body refused by its Content-Length is never parsed, so no form is read and
nothing is changed: the view only renders its page with the refusal.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# What a multipart body holds besides the file: boundaries, part headers, the CSRF token, a
# confirmation. A body announcing more than limit + margin cannot hold a file within the limit.
CONTENT_LENGTH_MARGIN = 64 * 1024


class LimitedUploadHandler(FileUploadHandler):
    """Passes on at most `max_bytes` of uploaded files (all files of the request together)."""

    def __init__(self, request: HttpRequest | None = None, max_bytes: int | None = None) -> None:
        super().__init__(request)
        self.max_bytes = settings.UPLOAD_MAX_BYTES if max_bytes is None else max_bytes
        self.passed_on = 0  # file bytes handed to the next handlers, which keep them
        self.refused = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if self.refused or self.passed_on + len(raw_data) > self.max_bytes:
            self.refused = True
            raise SkipFile  # Django closes what the next handlers kept and discards the rest
        self.passed_on += len(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler makes the file


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def upload_limit(max_bytes: int) -> Callable:
    """Decorate a view that accepts a file of at most `max_bytes` (see the module's docstring)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            handler = LimitedUploadHandler(request, max_bytes)
            request.upload_limit = handler
            if request.method == "POST" and _content_length(request) > max_bytes + CONTENT_LENGTH_MARGIN:
                # Not parsed, so nothing in it is acted on; the view renders its page with the refusal.
                handler.refused = True
                request.POST, request._files = QueryDict(), MultiValueDict()
                return view(request, *args, **kwargs)
            request.upload_handlers = [
                handler,
                *(h for h in request.upload_handlers if not isinstance(h, LimitedUploadHandler)),
            ]
            return protected(request, *args, **kwargs)

        return limited

    return decorator


def upload_refused(request: HttpRequest) -> bool:
    """Whether a file of this request was over its limit (and so is not in `request.FILES`)."""
    if request.method != "POST":
        return False
    request.FILES  # noqa: B018 - parses the body if nothing has yet, so the handlers have run
    return any(
        isinstance(handler, LimitedUploadHandler) and handler.refused
        for handler in [getattr(request, "upload_limit", None), *request.upload_handlers]
    )
