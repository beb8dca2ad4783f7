"""Two-step sign-in (included from kam/urls.py, namespace "signin")."""

from django.urls import path

from accounts.signin import views

app_name = "signin"
urlpatterns = [
    path("signin/verify/", views.verify, name="verify"),
    path("signin/enrol/", views.enrol, name="enrol"),
    path("security/", views.security, name="security"),
]
