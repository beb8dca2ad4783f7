"""Building blocks of the URL census (kam/tests/test_url_census.py).

Apps add their own routes' cases in `<app>/tests/census_*.py` modules, each defining
`CASES: dict[str, Route]` and `url_kwargs(personas) -> dict` for the URL kwargs it needs.
"""

from dataclasses import dataclass

PERSONAS = ("anonymous", "alice", "bob", "carol", "dave", "admin")


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location resolves to the view named `to`."""

    to: str


@dataclass(frozen=True)
class Route:
    expect: dict[str, int | Redirect]
    method: str = "get"


LOGIN = Redirect("login")
ADMIN_LOGIN = Redirect("admin:login")


def expect(*, anonymous=LOGIN, alice, bob, carol, dave, admin) -> dict[str, int | Redirect]:
    return {"anonymous": anonymous, "alice": alice, "bob": bob, "carol": carol, "dave": dave, "admin": admin}


def everyone_signed_in(outcome, *, anonymous=LOGIN) -> dict[str, int | Redirect]:
    return expect(anonymous=anonymous, alice=outcome, bob=outcome, carol=outcome, dave=outcome, admin=outcome)


# A change to alice's account: her team may (alice), her sponsor may not (carol, 403), and to
# everyone outside the team the account does not exist (404).
CHANGE_ALICES_ACCOUNT = expect(alice=200, bob=404, carol=403, dave=404, admin=404)
# The same for POST-only actions; alice's empty form is refused with a message on the detail page.
POST_TO_ALICES_ACCOUNT = expect(alice=Redirect("accounts:detail"), bob=404, carol=403, dave=404, admin=404)
COMPLIANCE_ONLY = expect(alice=403, bob=403, carol=403, dave=200, admin=403)
