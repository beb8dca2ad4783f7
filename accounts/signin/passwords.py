"""A user's own password: change it signed in, reset a forgotten one by e-mail, sign out everywhere.

Django's views and forms do the work (accounts/signin/password_urls.py): a change keeps the current
session (update_session_auth_hash) and, because a session is bound to the password's hash, ends the
user's other sessions; a reset ends them all. The reset link is the administrators' password-set
link (kam/urls.py `password_set`): Django's one-time token, valid PASSWORD_RESET_TIMEOUT seconds.
"Forgot your password?" answers the same whether or not the address belongs to anyone.
Each of these is sent as a signal (accounts/signals.py) for the access log.
"""

from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.shortcuts import redirect
from django.urls import reverse_lazy
from django.views.decorators.http import require_POST

from accounts.signals import password_chosen, password_reset_link_sent
from accounts.signin.sessions import end_session, sessions_end_all

User = get_user_model()


def _link_days() -> int:
    return max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)


class ResetRequestForm(PasswordResetForm):
    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs) -> None:
        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        password_reset_link_sent.send(sender=User, user=context["user"])


class PasswordChangeView(auth_views.PasswordChangeView):
    """The user's security page: change the password, or sign out everywhere."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("password_change")

    def get_context_data(self, **kwargs):
        limits = {"idle_minutes": settings.SESSION_IDLE_MINUTES, "max_hours": settings.SESSION_MAX_HOURS}
        return super().get_context_data(**kwargs, **limits)

    def form_valid(self, form):
        response = super().form_valid(form)
        password_chosen.send(sender=User, user=form.user, how="change")
        messages.success(self.request, "Your password is changed. Your other sessions have ended.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        self.extra_email_context = {"days": _link_days()}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, days=_link_days())


class PasswordSetView(auth_views.PasswordResetConfirmView):
    """The one-time link's page, for a first password (an administrator's link) or a forgotten one."""

    template_name = "registration/password_set_form.html"
    success_url = reverse_lazy("password_set_done")

    def form_valid(self, form):
        how = "reset" if form.user.has_usable_password() else "set"
        response = super().form_valid(form)
        password_chosen.send(sender=User, user=form.user, how=how)
        # Whoever reads the user's e-mail may sign in again at once, even while the username is locked.
        AxesProxyHandler.reset_attempts(username=form.user.get_username())
        return response


class SignOutEverywhereForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, end all my sessions, this one included")


@require_POST
def signout_everywhere(request):
    form = SignOutEverywhereForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tick the box to confirm that you want to sign out everywhere.")
        return redirect("password_change")
    sessions_end_all(user=request.user)
    return end_session(request, "everywhere")
