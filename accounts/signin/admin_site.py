"""Django admin that demands a passed second factor (as django-otp's OTPAdminSite does).

The middleware (accounts/signin/middleware.py) already sends a session that owes its second factor
away from /admin/; the site checks again, so a middleware list without it still cannot open the
admin. Signing in happens on KAM's own two-step pages: the admin's login page sends visitors there.
"""

from urllib.parse import urlencode

from django.contrib.admin import AdminSite
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from accounts.signin.middleware import second_factor_passed


class SecondFactorAdminSite(AdminSite):
    def has_permission(self, request):
        return super().has_permission(request) and second_factor_passed(request)

    @method_decorator(never_cache)
    @login_not_required
    def login(self, request, extra_context=None):
        if not request.user.is_authenticated:
            next_url = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            return redirect(f"{reverse('login')}?{urlencode({'next': next_url})}")
        return super().login(request, extra_context)
