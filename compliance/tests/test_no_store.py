"""No response of the app may be kept by a browser or proxy cache: `Cache-Control: no-store`.

Walked over every route of the URL census (kam/tests/test_url_census.py) as the insider (alice),
the sponsor (carol) and the compliance officer (dave), CSV exports included.
"""

import pytest
from django.urls import reverse

from kam.tests.test_url_census import (  # noqa: F401 - fixtures
    CENSUS,
    ROUTES,
    census_personas,
    url_kwargs,
)

EXPORTS = ("?format=csv", "?format=csv&chart=score_history")


def _cached(response) -> bool:
    return "no-store" not in response.get("Cache-Control", "")


@pytest.mark.parametrize("persona", ["alice", "carol", "dave"])
def test_every_route_answers_with_no_store(client, census_personas, url_kwargs, persona):  # noqa: F811
    client.force_login(getattr(census_personas, persona))
    cached, answered = [], 0
    for name, kwarg_names in sorted(ROUTES.items()):
        if name == "logout":
            continue
        url = reverse(name, kwargs={k: url_kwargs[k] for k in kwarg_names})
        method = CENSUS[name].method if name in CENSUS else "get"
        queries = EXPORTS if name.endswith(("_export", "chart_csv")) or "dashboard" in name else ()
        for target in (url, *(url + query for query in queries)):
            response = getattr(client, method)(target)
            answered += response.status_code == 200
            if _cached(response):
                cached.append(f"{method.upper()} {target} ({response.status_code})")
    assert answered > 5
    assert not cached, "responses a cache may keep:\n" + "\n".join(cached)


def test_csv_exports_are_not_cached(client, census_personas, url_kwargs):  # noqa: F811
    client.force_login(census_personas.alice)
    account = url_kwargs["account_id"]
    for url in (
        reverse("relationships:interaction_export", args=[account]),
        reverse("relationships:account_chart_csv", args=[account]) + "?chart=score_history",
    ):
        response = client.get(url)
        assert response.status_code == 200 and "csv" in response["Content-Type"], url
        assert not _cached(response), url
    client.force_login(census_personas.dave)
    response = client.get(reverse("compliance:log_export"))
    assert response.status_code == 200 and not _cached(response)
