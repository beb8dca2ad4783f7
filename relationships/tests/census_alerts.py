"""URL census case for marking health alerts read (see kam/tests/test_url_census.py)."""

from kam.tests.census import Redirect, Route, everyone_signed_in

# Each user marks only their own alerts; with none, it still answers by going home.
CASES: dict[str, Route] = {
    "relationships:alerts_mark_read": Route(everyone_signed_in(Redirect("home")), method="post"),
}


def url_kwargs(personas) -> dict:
    return {}
