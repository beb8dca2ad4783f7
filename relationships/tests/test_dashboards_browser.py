"""carol's portfolio and alice's dashboard in real Chromium, saved as screenshots for review
(artifacts/screenshots/, see README "## Dashboards")."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from relationships.tests.test_dashboards import CANARY, _portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = Path(settings.BASE_DIR) / "artifacts" / "screenshots"


def test_carol_lands_on_the_portfolio_and_reads_it(personas, login_page, live_server):
    _portfolio(personas, extra_accounts=6)
    page = login_page(personas.carol)  # home sends executives to the portfolio
    page.get_by_role("heading", name="Portfolio", exact=True).wait_for()
    assert page.get_by_test_id("total-clv").inner_text().strip()
    assert page.locator("svg[role=img] title").count() >= 6
    assert CANARY not in page.content()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard_portfolio_carol.png"), full_page=True)


def test_alice_lands_on_her_dashboard_and_bob_sees_none_of_it(personas, login_page, live_server):
    _portfolio(personas, extra_accounts=2)
    page = login_page(personas.alice)
    page.get_by_role("heading", name="My dashboard").wait_for()
    assert "Northwind Retail" in page.get_by_test_id("my-accounts").inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dashboard_mine_alice.png"), full_page=True)

    bob = login_page(personas.bob)
    bob.goto(live_server.url + reverse("relationships:dashboard_mine"))
    assert "Northwind Retail" not in bob.content() and CANARY not in bob.content()
