"""URL census cases for two-step sign-in (accounts/signin/; see kam/tests/test_url_census.py).

The census' clients have finished signing in (conftest.py `client`): carol, dave and admin with
their authenticator; the account managers have none, which is allowed for them.
"""

from kam.tests.census import Redirect, Route, everyone_signed_in, expect

HOME, ENROL = Redirect("home"), Redirect("signin:enrol")

CASES: dict[str, Route] = {
    # Already verified: on to where they were going; no authenticator yet: set one up.
    "signin:verify": Route(expect(alice=ENROL, bob=ENROL, carol=HOME, dave=HOME, admin=HOME)),
    "signin:enrol": Route(
        expect(
            alice=200,
            bob=200,
            carol=Redirect("signin:security"),
            dave=Redirect("signin:security"),
            admin=Redirect("signin:security"),
        )
    ),
    "signin:security": Route(everyone_signed_in(200)),
}


def url_kwargs(personas) -> dict:
    return {}
