"""The daily work in real Chromium: alice logs and plans, carol approves, bob reaches none of it."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import AccountPlan, Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_alice_quick_logs_an_interaction_without_a_page_reload(personas, login_page, live_server):
    page = login_page(personas.alice)
    page.goto(live_server.url + reverse("accounts:detail", args=[personas.alice_account.pk]))
    # A full page load would wipe this marker; an htmx swap keeps it.
    page.evaluate("window.__stillHere = true")

    page.get_by_text("Quick log").click()
    form = page.locator("form[aria-label='Quick log an interaction']")
    form.get_by_label("Date").fill(timezone.localdate().isoformat())
    form.get_by_label("Channel").select_option("workshop")
    form.get_by_label("Category").select_option("value_adding")
    form.get_by_label("Summary").fill("Joint roadmap workshop with the CIO")
    form.get_by_role("button", name="Log interaction").click()

    page.get_by_text("logged.").wait_for()
    assert page.evaluate("window.__stillHere") is True
    assert "Joint roadmap workshop with the CIO" in page.inner_text("#interactions-panel")
    interaction = Interaction.objects.get(account=personas.alice_account)
    assert (interaction.category, interaction.author) == ("value_adding", personas.alice)


def test_alice_plans_and_submits_carol_approves_bob_reaches_nothing(personas, login_page, live_server):
    account = personas.alice_account
    alice = login_page(personas.alice)
    alice.goto(live_server.url + reverse("accounts:detail", args=[account.pk]))
    alice.get_by_role("link", name="New plan").click()
    alice.get_by_label("The customer's goals").fill("Win share in private label")
    alice.get_by_label("Our goals").fill("Become the preferred logistics partner")
    alice.get_by_role("button", name=re.compile("Save|Create")).click()
    alice.get_by_role("link", name="Edit goals").click()
    alice.get_by_label("Our goals").fill("Become the preferred logistics partner by Q4")
    alice.get_by_role("button", name=re.compile("Save")).click()
    alice.get_by_role("button", name="Submit for approval").click()
    assert "Submitted for approval" in alice.get_by_test_id("plan-status").inner_text()

    plan = AccountPlan.objects.get(account=account)
    assert plan.our_goals == "Become the preferred logistics partner by Q4"
    plan_url = live_server.url + reverse(
        "relationships:plan_detail", kwargs={"account_id": account.pk, "plan_id": plan.pk}
    )

    carol = login_page(personas.carol)
    carol.goto(plan_url)
    carol.get_by_label("Approve").check()
    carol.get_by_role("button", name="Record decision").click()
    assert "Approved" in carol.get_by_test_id("plan-status").inner_text()
    plan.refresh_from_db()
    assert (plan.status, plan.decided_by) == (AccountPlan.Status.APPROVED, personas.carol)

    bob = login_page(personas.bob)
    for url in (
        reverse("accounts:detail", args=[account.pk]),
        reverse("relationships:plan_detail", kwargs={"account_id": account.pk, "plan_id": plan.pk}),
        reverse("relationships:interaction_list", args=[account.pk]),
        reverse("relationships:stakeholder_map", args=[account.pk]),
    ):
        response = bob.goto(live_server.url + url)
        assert response.status == 404, url
        assert account.name not in bob.content()
