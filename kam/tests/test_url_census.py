"""The URL census: every route of the project, visited by every persona, answers as designed.

Each route has one case in `CENSUS`; a route without a case fails, so no new view can skip the wall.
URL kwargs are filled from alice's account ("Northwind Retail"), which bob, dave and admin must not
see (404, as if it did not exist) and carol sponsors (she reads it, but may not change it: 403).
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

from accounts import services
from accounts.selectors import competitor_links_of

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

CENSUS: dict[str, Route] = {
    "home": Route(everyone_signed_in(Redirect("accounts:list"))),
    "healthz": Route(everyone_signed_in(200, anonymous=200)),
    "login": Route(everyone_signed_in(Redirect("home"), anonymous=200)),
    "logout": Route(everyone_signed_in(405)),  # logging out is a POST; a GET must not log anyone out
    "accounts:list": Route(everyone_signed_in(200)),
    "accounts:create": Route(expect(alice=200, bob=200, carol=403, dave=403, admin=403)),
    "accounts:detail": Route(expect(alice=200, bob=404, carol=200, dave=404, admin=404)),
    "accounts:edit": Route(CHANGE_ALICES_ACCOUNT),
    "accounts:team_add": Route(POST_TO_ALICES_ACCOUNT, method="post"),
    "accounts:team_remove": Route(CHANGE_ALICES_ACCOUNT),
    "accounts:stakeholder_create": Route(CHANGE_ALICES_ACCOUNT),
    "accounts:stakeholder_edit": Route(CHANGE_ALICES_ACCOUNT),
    "accounts:stakeholder_delete": Route(CHANGE_ALICES_ACCOUNT),
    "accounts:force_add": Route(POST_TO_ALICES_ACCOUNT, method="post"),
    "accounts:force_delete": Route(CHANGE_ALICES_ACCOUNT),
    "compliance:competitors": Route(COMPLIANCE_ONLY),
    "compliance:competitor_delete": Route(COMPLIANCE_ONLY),
    "admin:index": Route({**everyone_signed_in(ADMIN_LOGIN, anonymous=ADMIN_LOGIN), "admin": 200}),
}


def _walk(patterns, namespace: str = ""):
    """(route name, kwarg names) of every pattern, through includes and namespaces."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            for name, kwargs in _walk(pattern.url_patterns, inner):
                yield name, (*pattern.pattern.regex.groupindex, *kwargs)
            continue
        name = f"{namespace}{pattern.name}" if pattern.name else f"{namespace}<unnamed {pattern.pattern}>"
        # Django's own admin pages are guarded by is_staff and model permissions, tested upstream.
        if name.startswith("admin:") and name != "admin:index":
            continue
        yield name, tuple(pattern.pattern.regex.groupindex)


ROUTES: dict[str, tuple[str, ...]] = dict(_walk(get_resolver().url_patterns))


@pytest.fixture
def url_kwargs(personas):
    """A value for every URL kwarg, taken from alice's account and its confidential rows."""
    account = personas.alice_account
    force = services.business_force_create(
        account=account, kind="regulation", impact="threat", description="Packaging levy from 2026."
    )
    return {
        "account_id": account.pk,
        "member_id": account.team.get(user=personas.carol).pk,
        "stakeholder_id": personas.stakeholder.pk,
        "force_id": force.pk,
        "link_id": competitor_links_of(account).get().pk,
    }


def test_census_covers_exactly_the_project_routes():
    assert set(ROUTES) == set(CENSUS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route_name", sorted(set(ROUTES) | set(CENSUS)))
def test_route_answers_each_persona_as_designed(client, personas, url_kwargs, route_name, persona):
    if route_name not in CENSUS:
        pytest.fail(f"{route_name} has no census case: add what each persona should get.")
    if route_name not in ROUTES:
        pytest.fail(f"{route_name} is no longer a route: remove its census case.")
    route = CENSUS[route_name]
    if persona != "anonymous":
        client.force_login(getattr(personas, persona))
    url = reverse(route_name, kwargs={name: url_kwargs[name] for name in ROUTES[route_name]})

    response = getattr(client, route.method)(url)

    wanted = route.expect[persona]
    if isinstance(wanted, Redirect):
        assert response.status_code == 302, f"{persona} {route.method.upper()} {url}"
        assert resolve(urlsplit(response.url).path).view_name == wanted.to
    else:
        assert response.status_code == wanted, f"{persona} {route.method.upper()} {url}"
    if response.status_code in (403, 404):
        # A refusal never names the walled account.
        assert personas.alice_account.name not in response.content.decode()
