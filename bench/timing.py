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


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


@contextlib.contextmanager
def production_like() -> Iterator[None]:
    """DEBUG off while timing, as production runs (KAM_BENCH itself needs DEBUG on to install the app)."""
    with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
        yield


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
