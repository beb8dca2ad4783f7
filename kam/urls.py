from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, reverse_lazy

from kam import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # The one way a password is chosen, by its owner: the link an administrator sends
    # (accounts/services.py user_password_link_send). Django marks these views login_not_required.
    path(
        "password/set/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_set_form.html", success_url=reverse_lazy("password_set_done")
        ),
        name="password_set",
    ),
    path(
        "password/set/done/",
        auth_views.PasswordResetCompleteView.as_view(template_name="registration/password_set_done.html"),
        name="password_set_done",
    ),
    # The second step of signing in, and each user's own two-step sign-in page (accounts/signin/).
    path("", include("accounts.signin.urls")),
    path("accounts/", include("relationships.account_pages.urls")),
    path("", include("relationships.urls")),
    path("compliance/", include("compliance.urls")),
    path("admin/", admin.site.urls),
]
