import os

from django.core.asgi import get_asgi_application
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kam.settings")
# The web app serves people: it connects as the web role and never as the system (docs/security.md).
if os.environ.setdefault("KAM_PROCESS", "web") != "web":
    raise ImproperlyConfigured("The web app runs with KAM_PROCESS=web (or unset), never as the system.")
application = get_asgi_application()
