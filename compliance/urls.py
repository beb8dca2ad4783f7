from django.urls import include, path

from compliance import views
from compliance.console.competitors import views as competitors

app_name = "compliance"
urlpatterns = [
    path("competitors/", competitors.competitor_list, name="competitors"),
    path("competitors/<int:link_id>/delete/", competitors.competitor_delete, name="competitor_delete"),
    path("walls/<int:account_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    # The compliance console (compliance/console/): the access log, the walls, the crossings.
    path("", include("compliance.console.log.urls")),
    path("", include("compliance.console.walls.urls")),
    path("", include("compliance.console.crossings.urls")),
    path("", include("compliance.console.people.urls")),
]
