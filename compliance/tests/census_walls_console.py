"""URL census cases for the walls console and wall-crossing requests (see kam/tests/test_url_census.py).

The ids: bob's crossing request into alice's account (the crossing_id), and an exception for bob on
alice's account recorded by dave (the exception_id).
"""

from compliance import services
from kam.tests.census import COMPLIANCE_ONLY, Redirect, Route, expect

# Account managers and executives ask to cross a wall; compliance officers and administrators do not.
REQUESTERS = expect(alice=200, bob=200, carol=200, dave=403, admin=403)

CASES: dict[str, Route] = {
    "compliance:crossing_request": Route(REQUESTERS),
    "compliance:my_crossings": Route(REQUESTERS),
    # Only the requester's own request exists for them (the confirm page).
    "compliance:crossing_withdraw": Route(expect(alice=404, bob=200, carol=404, dave=403, admin=403)),
    "compliance:crossings": Route(COMPLIANCE_ONLY),
    # An empty decision is refused with a message on the crossings page.
    "compliance:crossing_decide": Route(
        expect(alice=403, bob=403, carol=403, dave=Redirect("compliance:crossings"), admin=403), method="post"
    ),
    "compliance:exceptions": Route(COMPLIANCE_ONLY),
    "compliance:exception_revoke": Route(COMPLIANCE_ONLY),
    "compliance:acknowledgements": Route(COMPLIANCE_ONLY),
    "compliance:walls": Route(COMPLIANCE_ONLY),
    "compliance:wall_history": Route(COMPLIANCE_ONLY),
    "compliance:wall_memo": Route(COMPLIANCE_ONLY),
}


def url_kwargs(personas) -> dict:
    crossing = services.crossing_request(
        user=personas.bob, account=personas.alice_account, reason="Joint tender with Northwind.", days=5
    )
    exception = services.exception_grant(
        user=personas.bob, account=personas.alice_account, reason="Census case.", actor=personas.dave
    )
    return {"crossing_id": crossing.pk, "exception_id": exception.pk}
