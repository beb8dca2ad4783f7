"""The wall in real Chromium: a crossing asked for, approved, acknowledged, read — and bob kept out."""

import pytest
from django.urls import reverse

from compliance.models import AccessLogEntry, WallCrossing
from kam.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_erin_crosses_into_alices_account_bobs_request_is_refused(
    personas, make_user, login_page, live_server
):
    account = personas.alice_account
    account_url = live_server.url + reverse("accounts:detail", args=[account.pk])
    erin = make_user("erin", Role.ACCOUNT_MANAGER)

    # erin, on no team, asks for a week of access; bob, who leads the competitor, asks too.
    for user, reason in ((erin, "Covering alice's renewal while she is away"), (personas.bob, "Curious")):
        page = login_page(user)
        page.goto(live_server.url + reverse("compliance:crossing_request"))
        page.get_by_label("Account").select_option(label=account.name)
        page.get_by_label("Reason").fill(reason)
        page.get_by_label("For how many days").fill("7")
        page.get_by_role("button", name="Send the request").click()
        page.get_by_text("A compliance officer will decide on it.").wait_for()
        if user == erin:
            erin_page = page
        else:
            assert page.goto(account_url).status == 404

    dave = login_page(personas.dave)
    dave.goto(live_server.url + reverse("compliance:crossings"))
    bobs = dave.locator(".list-group-item", has_text="Curious")
    assert "serves competitor Contoso Stores" in bobs.inner_text()
    bobs.get_by_role("button", name="Approve").click()
    dave.get_by_text("The wall refuses this crossing").wait_for()
    erins = dave.locator(".list-group-item", has_text="Covering alice's renewal")
    erins.get_by_role("button", name="Approve").click()
    dave.get_by_text("Approved").first.wait_for()
    assert WallCrossing.objects.get(user=erin).status == WallCrossing.Status.APPROVED
    assert WallCrossing.objects.get(user=personas.bob).status == WallCrossing.Status.REQUESTED

    # erin reads the wall memo first, then the account; she cannot change it.
    erin_page.goto(account_url)
    erin_page.get_by_text(f"Wall memo: {account.name}").wait_for()
    erin_page.get_by_label("I have read this memo and will keep to it.").check()
    erin_page.get_by_role("button", name="Acknowledge and continue").click()
    erin_page.wait_for_url(account_url)
    assert "Grace Hopper" in erin_page.content()  # a stakeholder: confidential content
    assert erin_page.goto(account_url + "edit/").status == 403

    # dave audits: erin's read is logged, bob's attempt is logged as denied.
    dave.goto(live_server.url + reverse("compliance:log") + f"?account={account.pk}")
    table = dave.locator("table").inner_text()
    assert "erin" in table and "bob" in table and "Denied" in table
    assert AccessLogEntry.objects.filter(user_id=erin.pk, account_id=account.pk, outcome="allowed").exists()
