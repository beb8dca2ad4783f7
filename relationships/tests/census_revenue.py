"""URL census case for the revenue import (see kam/tests/test_url_census.py)."""

from kam.tests.census import Route, expect

# Account managers import for their own teams' accounts; no other role holds revenue detail.
CASES: dict[str, Route] = {
    "relationships:revenue_import": Route(expect(alice=200, bob=200, carol=403, dave=403, admin=403)),
}


def url_kwargs(personas) -> dict:
    return {}
