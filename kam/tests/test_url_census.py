"""The URL census: every route of the project, visited by every persona, answers as designed.

Each route has one case in `CENSUS`; a route without a case fails, so no new view can skip the wall.
URL kwargs are filled from alice's account ("Northwind Retail"), which bob, dave and admin must not
see (404, as if it did not exist) and carol sponsors (she reads it, but may not change it: 403).
erin holds an active wall crossing into it (she reads it, but may not change it: 403); frank's
crossing has ended (404, like bob). gina, signed in, reads it and moves to the competitor's team
just before the request (404, like bob).
"""

import dataclasses
import datetime
import importlib
import pkgutil
from urllib.parse import urlsplit

import pytest
from django.urls import URLResolver, get_resolver, resolve, reverse

from accounts import services
from accounts.selectors import competitor_links_of
from accounts.tests.factories import UserFactory
from compliance import access
from compliance import services as compliance_services
from compliance.models import WallCrossing
from kam.roles import Role
from kam.tests.census import (
    ADMIN_LOGIN,
    CHANGE_ALICES_ACCOUNT,
    COMPLIANCE_ONLY,
    PERSONAS,
    POST_TO_ALICES_ACCOUNT,
    Redirect,
    Route,
    everyone_signed_in,
    expect,
)


def _app_census_modules():
    for app in ("accounts", "relationships", "compliance"):
        package = importlib.import_module(f"{app}.tests")
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("census_"):
                yield importlib.import_module(f"{app}.tests.{info.name}")


APP_CENSUS = list(_app_census_modules())

CENSUS: dict[str, Route] = {
    "home": Route(
        expect(
            alice=Redirect("relationships:dashboard_mine"),
            bob=Redirect("relationships:dashboard_mine"),
            carol=Redirect("relationships:dashboard_portfolio"),
            dave=Redirect("accounts:list"),
            admin=Redirect("accounts:list"),
        )
    ),
    "healthz": Route(everyone_signed_in(200, anonymous=200)),
    # The test client calls from 127.0.0.1, which METRICS_ALLOWED_NETWORKS allows by default; from
    # elsewhere only operators get it (kam/tests/test_metrics.py).
    "metrics": Route(everyone_signed_in(200, anonymous=200)),
    "login": Route(everyone_signed_in(Redirect("home"), anonymous=200)),
    "logout": Route(everyone_signed_in(405)),  # logging out is a POST; a GET must not log anyone out
    # A password-set link with a token that is not valid: the page says so, to anyone.
    "password_set": Route(everyone_signed_in(200, anonymous=200)),
    "password_set_done": Route(everyone_signed_in(200, anonymous=200)),
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
for module in APP_CENSUS:
    CENSUS.update(module.CASES)

# Where expect()'s derivation for erin and frank does not hold, because bob's answer depends on his
# own data rather than on his being outside alice's wall.
CROSSING_PERSONA_OVERRIDES: dict[str, dict[str, int | Redirect]] = {
    # The crossing_id is bob's own request: frank and gina (like alice and carol) have no such request.
    "compliance:crossing_withdraw": {"frank": 404, "gina": 404},
}
for _name, _overrides in CROSSING_PERSONA_OVERRIDES.items():
    if _name in CENSUS:
        CENSUS[_name] = dataclasses.replace(CENSUS[_name], expect={**CENSUS[_name].expect, **_overrides})


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


def add_crossing_personas(personas):
    """erin and frank: account managers on no team, with a wall crossing into alice's account.

    erin's crossing is approved by dave and active; frank's was approved (recorded as the system)
    for a window that has ended. Both acknowledged the account's wall memo.
    """
    account = personas.alice_account
    erin = UserFactory(username="erin", role=Role.ACCOUNT_MANAGER)
    frank = UserFactory(username="frank", role=Role.ACCOUNT_MANAGER)
    crossing = compliance_services.crossing_request(
        user=erin, account=account, reason="Supplier audit for Northwind's board.", days=10
    )
    compliance_services.crossing_decide(crossing=crossing, actor=personas.dave, approve=True)
    compliance_services.acknowledgement_create(user=erin, account=account)
    at = access.now()
    WallCrossing.objects.create(
        user=frank,
        account=account,
        reason="Last quarter's pricing review.",
        days=7,
        status=WallCrossing.Status.APPROVED,
        requested_at=at - datetime.timedelta(days=40),
        decided_by=personas.dave,
        decided_at=at - datetime.timedelta(days=39),
        starts_at=at - datetime.timedelta(days=39),
        ends_at=at - datetime.timedelta(days=32),
    )
    compliance_services.acknowledgement_create(user=frank, account=account)
    personas.erin, personas.frank = erin, frank
    return personas


def add_newcomer_persona(personas):
    """gina: an account manager on alice's team who has acknowledged its memo; see `sign_in_and_join`."""
    gina = UserFactory(username="gina", role=Role.ACCOUNT_MANAGER)
    services.team_member_add(account=personas.alice_account, user=gina, role="member")
    compliance_services.acknowledgement_create(user=gina, account=personas.alice_account)
    personas.gina = gina
    return personas


def sign_in_and_join(client, personas) -> None:
    """gina, signed in, reads alice's account, then moves to the team of its competitor.

    The move goes through the services, while her session is live: alice takes her off the team, dave
    records an exception (she read a competitor of bob's account moments ago) and she joins bob's
    team. Anything decided before the move (a cached list, a session value) would show in what follows.
    """
    gina, alices, bobs = personas.gina, personas.alice_account, personas.bob_account
    client.force_login(gina)
    for url in (reverse("home"), reverse("accounts:detail", kwargs={"account_id": alices.pk})):
        assert client.get(url, follow=True).status_code == 200
    services.team_member_remove(member=alices.team.get(user=gina))
    compliance_services.exception_grant(
        user=gina, account=bobs, reason="Moved to the Contoso team.", actor=personas.dave
    )
    services.team_member_add(account=bobs, user=gina, role="member")


@pytest.fixture
def census_personas(personas):
    """The five personas, with erin (active crossing), frank (ended crossing) and gina (moving) added."""
    return add_newcomer_persona(add_crossing_personas(personas))


@pytest.fixture
def url_kwargs(census_personas):
    """A value for every URL kwarg, taken from alice's account and its confidential rows."""
    personas = census_personas
    account = personas.alice_account
    force = services.business_force_create(
        account=account, kind="regulation", impact="threat", description="Packaging levy from 2026."
    )
    kwargs = {
        "account_id": account.pk,
        "member_id": account.team.get(user=personas.carol).pk,
        "stakeholder_id": personas.stakeholder.pk,
        "force_id": force.pk,
        "link_id": competitor_links_of(account).get().pk,
        "uidb64": "MQ",
        "token": "not-a-valid-token",
    }
    for module in APP_CENSUS:
        kwargs.update(module.url_kwargs(personas))
    return kwargs


def test_census_covers_exactly_the_project_routes():
    assert set(ROUTES) == set(CENSUS)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route_name", sorted(set(ROUTES) | set(CENSUS)))
def test_route_answers_each_persona_as_designed(client, census_personas, url_kwargs, route_name, persona):
    personas = census_personas
    if route_name not in CENSUS:
        pytest.fail(f"{route_name} has no census case: add what each persona should get.")
    if route_name not in ROUTES:
        pytest.fail(f"{route_name} is no longer a route: remove its census case.")
    route = CENSUS[route_name]
    if persona == "gina":
        sign_in_and_join(client, personas)
    elif persona != "anonymous":
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
