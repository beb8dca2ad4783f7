from django.urls import path

from compliance.console.people import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:user_id>/second-factor/reset/", views.second_factor_reset, name="second_factor_reset"),
]
