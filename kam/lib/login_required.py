"""Django's LoginRequiredMiddleware, asking who the user is only for views that need a login.

Django's own looks the user up first, which reads the session and the user from the database; a
public view then fails with the database instead of answering (the health check must say 503).
"""

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware


def is_public(view_func) -> bool:
    """Is the view open to anyone (Django's `login_not_required`)? Such views never look the user up."""
    return not getattr(view_func, "login_required", True)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    def process_view(self, request, view_func, view_args, view_kwargs):
        if is_public(view_func):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
