from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts.signin import passwords
from kam import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one-time link by which a password is chosen, by its owner: sent by an administrator
    # (accounts/services.py user_password_link_send) or by "Forgot your password?"
    # (accounts/signin/passwords.py). Django marks these views login_not_required.
    path("password/set/<uidb64>/<token>/", passwords.PasswordSetView.as_view(), name="password_set"),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_set_done.html"),
        name="password_set_done",
    ),
    # The second step of signing in, and each user's own two-step sign-in page (accounts/signin/).
    path("", include("accounts.signin.urls")),
    # A user's own password: change, "Forgot your password?", sign out everywhere.
    path("", include("accounts.signin.password_urls")),
    path("accounts/", include("relationships.account_pages.urls")),
    path("", include("relationships.urls")),
    path("compliance/", include("compliance.urls")),
    path("admin/", admin.site.urls),
]
