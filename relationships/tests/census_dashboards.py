"""URL census cases for the dashboards (see kam/tests/test_url_census.py)."""

from kam.tests.census import Route, expect

# The portfolio is sanitized metrics: every role holding view_portfolio (executive, compliance,
# administrator) sees it; account managers get their own dashboard. The account charts follow the
# wall: carol sponsors alice's account; to everyone else outside its team it does not exist.
CASES: dict[str, Route] = {
    "relationships:dashboard_portfolio": Route(expect(alice=403, bob=403, carol=200, dave=200, admin=200)),
    "relationships:dashboard_mine": Route(expect(alice=200, bob=200, carol=200, dave=403, admin=403)),
    "relationships:account_chart_csv": Route(expect(alice=200, bob=404, carol=200, dave=404, admin=404)),
}


def url_kwargs(personas) -> dict:
    return {}
