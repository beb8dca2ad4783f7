"""Building blocks of the URL census (kam/tests/test_url_census.py).

Apps add their own routes' cases in `<app>/tests/census_*.py` modules, each defining
`CASES: dict[str, Route]` and `url_kwargs(personas) -> dict` for the URL kwargs it needs.
"""

from dataclasses import dataclass

# erin: an account manager on no team, holding an approved, active wall crossing into alice's account
# (memo acknowledged). frank: an account manager whose approved crossing into it has ended. gina: an
# account manager on alice's team who, signed in, is moved across the wall: she has read the account,
# leaves its team and joins the team of bob's account, its competitor (a compliance officer's
# exception lets her join despite the recent read).
PERSONAS = ("anonymous", "alice", "bob", "carol", "dave", "admin", "erin", "frank", "gina")


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location resolves to the view named `to`."""

    to: str


@dataclass(frozen=True)
class Route:
    """What each persona gets from a route, as designed."""

    expect: dict[str, int | Redirect]
    method: str = "get"


LOGIN = Redirect("login")
ADMIN_LOGIN = Redirect("admin:login")


def crossing_default(*, alice, bob, carol):
    """What erin (a read-only wall crossing into alice's account) gets, derived from the others.

    A route that answers alice like bob is not about alice's account: erin gets an account manager's
    answer. Otherwise it is about alice's account: if the sponsor's answer is alice's, it only reads
    it and erin reads it too; if not, it changes it, which a crossing may not (403).
    """
    if alice == bob:
        return alice
    if carol == alice:
        return alice
    return 403


def expect(
    *, anonymous=LOGIN, alice, bob, carol, dave, admin, erin=None, frank=None, gina=None
) -> dict[str, int | Redirect]:
    """Each persona's answer. erin, frank and gina default to what the others' answers imply.

    frank's crossing has ended, so he is an account manager outside alice's wall, like bob; so is
    gina, who now serves alice's competitor. `frank=` and `gina=` override where bob's own data (his
    account, his requests) makes bob's answer differ.
    """
    if erin is None:
        erin = crossing_default(alice=alice, bob=bob, carol=carol)
    if frank is None:
        frank = bob
    if gina is None:
        gina = frank
    return {
        "anonymous": anonymous,
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "dave": dave,
        "admin": admin,
        "erin": erin,
        "frank": frank,
        "gina": gina,
    }


def everyone_signed_in(outcome, *, anonymous=LOGIN) -> dict[str, int | Redirect]:
    return expect(
        anonymous=anonymous,
        alice=outcome,
        bob=outcome,
        carol=outcome,
        dave=outcome,
        admin=outcome,
        erin=outcome,
        frank=outcome,
        gina=outcome,
    )


# A change to alice's account: her team may (alice), her sponsor may not (carol, 403), nor may erin,
# whose crossing is read-only (403); to everyone outside the team the account does not exist (404).
CHANGE_ALICES_ACCOUNT = expect(alice=200, bob=404, carol=403, dave=404, admin=404)
# The same for POST-only actions; alice's empty form is refused with a message on the detail page.
POST_TO_ALICES_ACCOUNT = expect(alice=Redirect("accounts:detail"), bob=404, carol=403, dave=404, admin=404)
COMPLIANCE_ONLY = expect(alice=403, bob=403, carol=403, dave=200, admin=403)
