"""Timing pages in-process, server side, with Django's test client.

The test client is fine here: this app is development only (kam/settings.py installs it only with
KAM_BENCH and DEBUG on), and it is how the benchmarks reach the full middleware stack without a
web server's noise.
"""

import contextlib
from collections.abc import Iterator

from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.signin.services import second_factor_required


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@contextlib.contextmanager
def production_like() -> Iterator[None]:
    """DEBUG off while timing, as production runs (KAM_BENCH itself needs DEBUG on to install the app)."""
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        yield


def client_for(user) -> Client:
    """A client signed in as `user`, second factor passed where their role asks for one."""
    client = Client()
    client.force_login(user)
    if second_factor_required(user):
        device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "bench"})
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
