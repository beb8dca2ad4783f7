"""A user's own password and sessions (accounts/signin/passwords.py); included at the site's root.

The reset e-mail links to `password_set` (kam/urls.py), the same one-time page as an
administrator's link. Django marks its reset views login_not_required.
"""

from django.urls import path

from accounts.signin import passwords

urlpatterns = [
    path("password/", passwords.PasswordChangeView.as_view(), name="password_change"),
    path("password/sign-out-everywhere/", passwords.signout_everywhere, name="signout_everywhere"),
    path("password/forgot/", passwords.PasswordResetView.as_view(), name="password_reset"),
    path("password/forgot/sent/", passwords.PasswordResetDoneView.as_view(), name="password_reset_done"),
]
