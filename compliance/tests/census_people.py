"""URL census cases for the console's people page (two-step sign-in state and its reset)."""

from kam.tests.census import COMPLIANCE_ONLY, Route

CASES: dict[str, Route] = {
    "compliance:people": Route(COMPLIANCE_ONLY),
    # The confirmation page; the reset itself is a POST (compliance/tests/test_second_factor_reset.py).
    "compliance:second_factor_reset": Route(COMPLIANCE_ONLY),
}


def url_kwargs(personas) -> dict:
    return {"user_id": personas.bob.pk}
