"""URL census cases for the access-log half of the compliance console (see kam/tests/test_url_census.py)."""

from kam.tests.census import COMPLIANCE_ONLY, Route

# Compliance officers only (compliance.view_accesslogentry); with no filter each page answers 200:
# the newest entries, the last week's anomalies, the export of the whole (small) log, and the
# who-saw form waiting for an account.
CASES: dict[str, Route] = {
    "compliance:log": Route(COMPLIANCE_ONLY),
    "compliance:log_export": Route(COMPLIANCE_ONLY),
    "compliance:log_anomalies": Route(COMPLIANCE_ONLY),
    "compliance:who_saw": Route(COMPLIANCE_ONLY),
}


def url_kwargs(personas) -> dict:
    return {}
