"""URL census cases for the wall's own pages (see kam/tests/test_url_census.py)."""

from kam.tests.census import Route, expect

CASES: dict[str, Route] = {
    # Insiders read the memo (alice and carol have acknowledged; it shows as a re-read); to everyone
    # else the account does not exist.
    "compliance:acknowledge": Route(expect(alice=200, bob=404, carol=200, dave=404, admin=404)),
}


def url_kwargs(personas) -> dict:
    return {}
