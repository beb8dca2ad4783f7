"""A signed-in session that owes its second factor reaches only the sign-in pages and logout.

After the password, a user with a confirmed authenticator is sent to the code page; a user who
must have one (accounts/signin/services.py `second_factor_required`) but has none is sent to
enrolment. Django admin demands a passed second factor of everyone (accounts/signin/admin_site.py);
staff, who may use it, are sent to the second step from any admin page. Its place in
settings.MIDDLEWARE is after django-otp's OTPMiddleware (request.user.is_verified) and after the
wall's middleware, so these redirects run in the request's transaction as its user. htmx requests
get an HX-Redirect, as the wall's own redirects do (compliance/middleware.py).
"""

from urllib.parse import urlencode

from django.http import HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.signin import services
from kam.lib.login_required import is_public

# Pages a session owing its second factor may still reach.
SIGN_IN_VIEWS = frozenset({"signin:verify", "signin:enrol", "logout"})
ADMIN_PREFIX = "/admin/"


def second_factor_passed(request) -> bool:
    """Has this request's user passed the second factor, or is it not asked of them?"""
    user = request.user
    if not user.is_authenticated:
        return False
    is_verified = getattr(user, "is_verified", None)
    if is_verified is not None and is_verified():
        return True
    return services.is_waived(user)


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        public = is_public(view_func)
        if public and not request.path_info.startswith(ADMIN_PREFIX):
            # Pages for anyone (health check, password-set links): the user is not even looked up,
            # so a database outage answers as the page decides (kam/lib/login_required.py).
            return None
        user = request.user
        if not user.is_authenticated or second_factor_passed(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in SIGN_IN_VIEWS:
            return None
        # Staff reach Django admin only with the second factor passed (its login page included);
        # to anyone else the admin answers as to a stranger.
        for_admin = user.is_staff and request.path_info.startswith(ADMIN_PREFIX)
        if public and not for_admin:
            return None
        if services.has_second_factor(user):
            return _redirect(request, "signin:verify")
        if for_admin or services.second_factor_required(user):
            return _redirect(request, "signin:enrol")
        return None


def _redirect(request, view_name: str):
    url = reverse(view_name)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)
