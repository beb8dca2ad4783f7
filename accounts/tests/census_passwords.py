"""URL census cases for a user's own password and sessions (accounts/signin/password_urls.py)."""

from kam.tests.census import Redirect, Route, everyone_signed_in

CASES: dict[str, Route] = {
    # Every signed-in user's own security page.
    "password_change": Route(everyone_signed_in(200)),
    # A POST without the confirmation box ends nothing: back to the security page with a message.
    "signout_everywhere": Route(everyone_signed_in(Redirect("password_change")), method="post"),
    # "Forgot your password?" answers anyone, signed in or not.
    "password_reset": Route(everyone_signed_in(200, anonymous=200)),
    "password_reset_done": Route(everyone_signed_in(200, anonymous=200)),
}


def url_kwargs(personas) -> dict:
    return {}
