from django.urls import include, path

from compliance.console.competitors import views

app_name = "compliance"
urlpatterns = [
    path("competitors/", views.competitor_list, name="competitors"),
    path("competitors/<int:link_id>/delete/", views.competitor_delete, name="competitor_delete"),
    path("walls/<int:account_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    # The compliance console: the access log (urls_log.py) and the walls (urls_walls.py).
    path("", include("compliance.console.log.urls")),
    path("", include("compliance.console.walls.urls")),
]
