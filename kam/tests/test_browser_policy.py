"""The Content-Security-Policy: its directives, and the main pages running under it in Chromium."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.tests.factories import log_interaction
from relationships.tests.plan_factories import full_plan


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def test_pages_carry_a_strict_content_security_policy(client, personas):
    client.force_login(personas.alice)

    response = client.get(reverse("accounts:list"))

    policy = _directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in value for values in policy.values() for value in values)


def test_the_login_page_and_the_admin_carry_the_same_policy(client, personas):
    login = client.get(reverse("login"))
    client.force_login(personas.admin)
    admin = client.get(reverse("admin:index"))

    assert admin.status_code == 200
    assert login["Content-Security-Policy"] == admin["Content-Security-Policy"]


def test_no_template_writes_a_style_attribute_or_an_inline_script(client, personas):
    # The policy refuses both; the browser journey below shows the pages as rendered.
    plan = full_plan(personas.alice_account, personas.alice)
    client.force_login(personas.alice)
    pages = [
        reverse("accounts:detail", args=[personas.alice_account.pk]),
        reverse("relationships:plan_detail", args=[personas.alice_account.pk, plan.pk]),
        reverse("relationships:dashboard_mine"),
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url


# In Chromium ----------------------------------------------------------------------------------

# Records every violation the page reports, before any of the page's own code runs.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


class Violations:
    def __init__(self):
        self.found: list[str] = []

    def watch(self, page):
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.found.append(f"script error: {error}"))

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.found.append(message.text)

    def visit(self, page, url: str) -> None:
        response = page.goto(url)
        assert response.status < 400, (url, response.status)
        page.wait_for_load_state("load")
        for violation in page.evaluate("window.__cspViolations"):
            self.found.append(f"{url}: {violation}")


@pytest.fixture
def watched_page(login_page, browser):
    violations = Violations()

    def open_as(user):
        page = login_page(user)
        violations.watch(page)
        return page

    open_as.violations = violations
    open_as.browser = browser
    return open_as


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_main_pages_run_in_chromium_without_a_policy_violation(personas, watched_page, live_server):
    account = personas.alice_account
    plan = full_plan(account, personas.alice)
    interaction = log_interaction(account, personas.alice)
    violations = watched_page.violations
    site = live_server.url

    def url(name, *args):
        return site + reverse(name, args=args)

    anonymous = watched_page.browser.new_page()
    violations.watch(anonymous)
    violations.visit(anonymous, url("login"))
    anonymous.close()
    alice = watched_page(personas.alice)
    for page_url in [
        url("home"),
        url("relationships:dashboard_mine"),
        url("accounts:list"),
        url("accounts:detail", account.pk),
        url("accounts:edit", account.pk),
        url("relationships:plan_detail", account.pk, plan.pk),
        url("relationships:plan_edit", account.pk, plan.pk),
        url("relationships:interaction_list", account.pk),
        url("relationships:interaction_detail", account.pk, interaction.pk),
        url("relationships:interaction_create", account.pk),
        url("relationships:interaction_import", account.pk),
        url("relationships:stakeholder_import", account.pk),
        url("relationships:stakeholder_map", account.pk),
        url("relationships:my_week"),
        url("relationships:plan_action_add", account.pk, plan.pk),
        url("accounts:stakeholder_delete", account.pk, personas.stakeholder.pk),
        url("compliance:crossing_request"),
        url("compliance:my_crossings"),
    ]:
        violations.visit(alice, page_url)
    # htmx, served from the django-htmx package, runs under the policy: the quick log swaps in place.
    alice.goto(url("accounts:detail", account.pk))
    alice.evaluate("window.__stillHere = true")
    alice.get_by_text("Quick log").click()
    form = alice.locator("form[aria-label='Quick log an interaction']")
    form.get_by_label("Date").fill(timezone.localdate().isoformat())
    form.get_by_label("Channel").select_option("workshop")
    form.get_by_label("Category").select_option("value_adding")
    form.get_by_label("Summary").fill("Workshop under the policy")
    form.get_by_role("button", name="Log interaction").click()
    alice.get_by_text("logged.").wait_for()
    assert alice.evaluate("window.__stillHere") is True
    violations.found += alice.evaluate("window.__cspViolations")

    carol = watched_page(personas.carol)
    for page_url in [
        url("relationships:dashboard_portfolio"),
        url("accounts:list"),
        url("accounts:detail", account.pk),
        url("relationships:plan_detail", account.pk, plan.pk),
    ]:
        violations.visit(carol, page_url)

    dave = watched_page(personas.dave)
    for page_url in [
        url("compliance:log"),
        url("compliance:walls"),
        url("compliance:wall_memo", account.pk),
        url("compliance:competitors"),
        url("compliance:acknowledgements"),
    ]:
        violations.visit(dave, page_url)

    assert violations.found == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_django_admin_runs_in_chromium_without_a_policy_violation(personas, watched_page, live_server):
    violations = watched_page.violations
    admin = watched_page(personas.admin)
    site = live_server.url
    for name, args in [
        ("admin:index", []),
        ("admin:auth_user_changelist", []),
        ("admin:auth_user_add", []),
        ("admin:auth_user_change", [personas.alice.pk]),
        ("admin:accounts_segment_changelist", []),
        ("admin:accounts_segment_add", []),
    ]:
        violations.visit(admin, site + reverse(name, args=args))
    # The admin's own scripts ran: the changelist's select-all box and the sidebar's filter work.
    admin.goto(site + reverse("admin:auth_user_changelist"))
    admin.locator("#action-toggle").check()
    assert admin.locator("input.action-select:checked").count() >= 1

    assert violations.found == []
