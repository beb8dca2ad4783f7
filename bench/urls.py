"""The site's URLs with the account page routed to bench/views.py.

Never a site's ROOT_URLCONF: bench/unwalled.py sets it per request, on bench_access's own
"without the wall" test client only.
"""

from django.urls import path

from bench import views
from kam.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("accounts/<int:account_id>/", views.account_detail_unwalled),
    *site_urlpatterns,
]
