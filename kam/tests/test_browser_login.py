import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_logs_in_and_sees_her_key_account_with_bootstrap_styling(personas, login_page):
    page = login_page(personas.alice)

    page.get_by_role("link", name="Northwind Retail").click()

    assert page.get_by_role("heading", name="Northwind Retail").is_visible()
    # Bootstrap is served from the installed package: the navbar is dark, not unstyled.
    navbar_colour = page.locator("nav.navbar").evaluate("el => getComputedStyle(el).backgroundColor")
    assert navbar_colour != "rgba(0, 0, 0, 0)"


def test_bob_does_not_find_alices_account_in_the_browser(personas, login_page, live_server):
    page = login_page(personas.bob)

    page.goto(f"{live_server.url}/accounts/?q=Northwind")
    assert "No accounts match" in page.inner_text("main")
    response = page.goto(f"{live_server.url}/accounts/{personas.alice_account.pk}/")
    assert response.status == 404
