"""The walls console: crossing requests and decisions, exceptions, attestation, walls and memos."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import AccountTeamMember
from compliance import services
from compliance.models import WallAcknowledgement, WallCrossing, WallException, WallMemo
from kam.roles import Role

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _request(client, user, account, *, reason="Joint tender.", days=10):
    client.force_login(user)
    return client.post(
        reverse("compliance:crossing_request"), {"account": account.pk, "reason": reason, "days": days}
    )


# Requesting a crossing. ----------------------------------------------------------------------------


def test_request_form_lists_every_account_but_the_users_own(client, personas):
    client.force_login(personas.bob)
    response = client.get(reverse("compliance:crossing_request"))
    assert response.status_code == 200
    choices = {account.name for account in response.context["form"].fields["account"].queryset}
    assert choices == {"Northwind Retail"}  # not Contoso Stores: bob is on its team


def test_request_validates_days_and_reason(client, personas, settings):
    settings.WALL_CROSSING_MAX_DAYS = 30
    response = _request(client, personas.bob, personas.alice_account, reason="  ", days=31)
    assert response.status_code == 200
    form = response.context["form"]
    assert "days" in form.errors and "reason" in form.errors
    response = _request(client, personas.bob, personas.alice_account, reason="x" * 2001, days=5)
    assert "reason" in response.context["form"].errors
    response = client.post(
        reverse("compliance:crossing_request"), {"account": "999999999", "reason": "r", "days": 5}
    )
    assert "account" in response.context["form"].errors
    assert not WallCrossing.objects.exists()


def test_a_second_pending_request_is_refused_with_the_services_reason(client, personas):
    assert _request(client, personas.bob, personas.alice_account).status_code == 302
    response = _request(client, personas.bob, personas.alice_account)
    assert response.status_code == 200
    assert "already asked" in str(response.context["form"].errors["account"])


def test_my_crossings_and_withdraw(client, personas):
    _request(client, personas.bob, personas.alice_account)
    crossing = WallCrossing.objects.get()
    response = client.get(reverse("compliance:my_crossings"))
    assert "Northwind Retail" in response.content.decode()
    assert "Waiting for a decision" in response.content.decode()
    url = reverse("compliance:crossing_withdraw", args=[crossing.pk])
    assert client.get(url).status_code == 200  # the confirm page
    # Nobody else's request exists for them.
    client.force_login(personas.alice)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(personas.bob)
    response = client.post(url)
    assert response.status_code == 302
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.WITHDRAWN
    # Withdrawing twice: a message, not an error.
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert any("still waiting" in message for message in _messages(response))


def test_my_crossings_empty_state(client, personas):
    client.force_login(personas.carol)
    response = client.get(reverse("compliance:my_crossings"))
    assert "You have not asked to cross a wall yet." in response.content.decode()


# Deciding on crossings. ----------------------------------------------------------------------------


def test_bobs_conflict_is_shown_and_refuses_the_approval(client, personas):
    _request(client, personas.bob, personas.alice_account)
    crossing = WallCrossing.objects.get()
    client.force_login(personas.dave)
    page = client.get(reverse("compliance:crossings")).content.decode()
    assert "bob serves competitor Contoso Stores" in page
    response = client.post(
        reverse("compliance:crossing_decide", args=[crossing.pk]), {"decision": "approve"}, follow=True
    )
    assert response.status_code == 200
    assert any(
        "The wall refuses this crossing" in message and "serves competitor Contoso Stores" in message
        for message in _messages(response)
    )
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.REQUESTED


def test_erin_crosses_reads_after_acknowledging_may_not_change_and_loses_access_on_expiry(
    client, personas, make_user, monkeypatch
):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    account = personas.alice_account
    assert _request(client, erin, account, days=7).status_code == 302
    crossing = WallCrossing.objects.get(user=erin)

    client.force_login(personas.dave)
    page = client.get(reverse("compliance:crossings")).content.decode()
    assert "No conflict" in page
    response = client.post(reverse("compliance:crossing_decide", args=[crossing.pk]), {"decision": "approve"})
    assert response.status_code == 302
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.APPROVED

    # Deciding again: a clear message.
    response = client.post(
        reverse("compliance:crossing_decide", args=[crossing.pk]),
        {"decision": "reject", "note": "x"},
        follow=True,
    )
    assert any("already approved" in message for message in _messages(response))

    client.force_login(erin)
    detail = reverse("accounts:detail", args=[account.pk])
    response = client.get(detail)
    assert response.status_code == 302
    assert response.url.startswith(reverse("compliance:acknowledge", args=[account.pk]))
    response = client.post(reverse("compliance:acknowledge", args=[account.pk]), {"confirm": "yes"})
    assert response.status_code == 302
    assert client.get(detail).status_code == 200
    # A crossing reads; it does not change.
    assert client.get(reverse("accounts:edit", args=[account.pk])).status_code == 403
    assert client.get(reverse("accounts:stakeholder_create", args=[account.pk])).status_code == 403
    assert "Active" in client.get(reverse("compliance:my_crossings")).content.decode()

    later = timezone.now() + datetime.timedelta(days=8)
    monkeypatch.setattr("compliance.access.now", lambda: later)
    assert client.get(detail).status_code == 404


def test_rejecting_needs_a_note(client, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    _request(client, erin, personas.alice_account)
    crossing = WallCrossing.objects.get()
    client.force_login(personas.dave)
    url = reverse("compliance:crossing_decide", args=[crossing.pk])
    response = client.post(url, {"decision": "reject", "note": ""}, follow=True)
    assert any("Say why the request is rejected" in message for message in _messages(response))
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.REQUESTED
    # No decision at all, a bad decision, a note too long: messages too.
    for data, text in (
        ({}, "approve or reject"),
        ({"decision": "maybe"}, "valid choice"),
        ({"decision": "reject", "note": "n" * 2001}, "2000"),
    ):
        response = client.post(url, data, follow=True)
        assert response.status_code == 200
        assert any(text in message for message in _messages(response)), data
    response = client.post(url, {"decision": "reject", "note": "No business need."})
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.REJECTED
    page = client.get(reverse("compliance:crossings")).content.decode()
    assert "No business need." in page and "Rejected" in page


def test_deciding_an_unknown_request_is_404_and_get_is_refused(client, personas):
    client.force_login(personas.dave)
    assert (
        client.post(reverse("compliance:crossing_decide", args=[999999]), {"decision": "approve"}).status_code
        == 404
    )
    assert client.post(f"/compliance/crossings/{10**30}/decide/", {"decision": "approve"}).status_code == 404
    assert client.get(reverse("compliance:crossing_decide", args=[1])).status_code == 405


def test_crossings_are_ordered_pending_then_active_then_decided(client, personas, make_user):
    erin, frank, gina = (make_user(name, Role.ACCOUNT_MANAGER) for name in ("erin", "frank", "gina"))
    account = personas.alice_account
    rejected = services.crossing_request(user=erin, account=account, reason="r", days=3)
    services.crossing_decide(crossing=rejected, actor=personas.dave, approve=False, note="no")
    active = services.crossing_request(user=frank, account=account, reason="r", days=3)
    services.crossing_decide(crossing=active, actor=personas.dave, approve=True)
    pending = services.crossing_request(user=gina, account=account, reason="r", days=3)
    client.force_login(personas.dave)
    response = client.get(reverse("compliance:crossings"))
    assert [crossing.pk for crossing in response.context["page"].object_list] == [
        pending.pk,
        active.pk,
        rejected.pk,
    ]


def test_crossings_empty_state(client, personas):
    client.force_login(personas.dave)
    assert "No wall-crossing requests yet." in client.get(reverse("compliance:crossings")).content.decode()


# Exceptions. ---------------------------------------------------------------------------------------


def test_grant_and_revoke_an_exception(client, personas):
    client.force_login(personas.dave)
    url = reverse("compliance:exceptions")
    assert "No exceptions recorded" in client.get(url).content.decode()
    tomorrow = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        url,
        {
            "user": personas.bob.pk,
            "account": personas.alice_account.pk,
            "reason": "Joint venture approved by legal.",
            "expires_at": tomorrow.isoformat(),
        },
    )
    assert response.status_code == 302
    exception = WallException.objects.get()
    assert exception.expires_at.date() == tomorrow + datetime.timedelta(days=1)
    page = client.get(url).content.decode()
    assert "Active" in page and "Northwind Retail" in page

    # With the exception bob's conflict is gone, and the approval goes through.
    crossing = services.crossing_request(
        user=personas.bob, account=personas.alice_account, reason="r", days=2
    )
    assert "No conflict" in client.get(reverse("compliance:crossings")).content.decode()
    client.post(reverse("compliance:crossing_decide", args=[crossing.pk]), {"decision": "approve"})
    crossing.refresh_from_db()
    assert crossing.status == WallCrossing.Status.APPROVED

    revoke = reverse("compliance:exception_revoke", args=[exception.pk])
    assert client.get(revoke).status_code == 200
    assert client.post(revoke).status_code == 302
    exception.refresh_from_db()
    assert exception.revoked_at is not None
    assert "Revoked" in client.get(url + "?state=revoked").content.decode()
    assert "No active exceptions." in client.get(url + "?state=active").content.decode()
    response = client.post(revoke, follow=True)
    assert any("already revoked" in message for message in _messages(response))
    assert client.get(reverse("compliance:exception_revoke", args=[999999])).status_code == 404


def test_exception_grant_rejects_bad_input(client, personas):
    client.force_login(personas.dave)
    url = reverse("compliance:exceptions")
    base = {"user": personas.bob.pk, "account": personas.alice_account.pk, "reason": "Because."}
    for data, field in (
        ({**base, "expires_at": "2020-01-01"}, "expires_at"),  # the past: the service refuses
        ({**base, "expires_at": "not a date"}, "expires_at"),
        ({**base, "expires_at": "9999-12-31"}, "expires_at"),
        ({**base, "reason": "   "}, "reason"),
        ({**base, "reason": "r" * 2001}, "reason"),
        ({**base, "user": "nope"}, "user"),
        ({**base, "account": 999999}, "account"),
    ):
        response = client.post(url, data)
        assert response.status_code == 200, data
        assert field in response.context["form"].errors, data
    assert not WallException.objects.exists()


def test_only_compliance_may_grant(client, personas):
    client.force_login(personas.alice)
    response = client.post(
        reverse("compliance:exceptions"),
        {"user": personas.alice.pk, "account": personas.bob_account.pk, "reason": "mine"},
    )
    assert response.status_code == 403
    assert not WallException.objects.exists()


# Acknowledgements. ---------------------------------------------------------------------------------


def test_acknowledgements_list_who_never_acknowledged_and_who_expired(client, personas, make_user):
    never = make_user("nora", Role.ACCOUNT_MANAGER)
    stale = make_user("sam", Role.ACCOUNT_MANAGER)
    account = personas.alice_account
    account_services.team_member_add(account=account, user=never, role=AccountTeamMember.Role.MEMBER)
    account_services.team_member_add(account=account, user=stale, role=AccountTeamMember.Role.MEMBER)
    long_ago = timezone.now() - datetime.timedelta(days=400)
    WallAcknowledgement.objects.create(user=stale, account=account, acknowledged_at=long_ago, memo_text="old")
    # A crosser who has not acknowledged is an insider too.
    crosser = make_user("cora", Role.ACCOUNT_MANAGER)
    crossing = services.crossing_request(user=crosser, account=account, reason="r", days=3)
    services.crossing_decide(crossing=crossing, actor=personas.dave, approve=True)

    client.force_login(personas.dave)
    response = client.get(reverse("compliance:acknowledgements"))
    assert response.status_code == 200
    rows = {(row["uname"], row["aname"]): row["status"] for row in response.context["page"].object_list}
    expired_on = (long_ago + datetime.timedelta(days=365)).strftime("%Y-%m-%d")
    assert rows == {
        ("nora", "Northwind Retail"): "never",
        ("cora", "Northwind Retail"): "never",
        ("sam", "Northwind Retail"): f"expired on {expired_on}",
    }
    page = response.content.decode()
    assert f"expired on {expired_on}" in page
    # Recent acknowledgements: alice's, carol's, bob's, from the fixtures.
    assert {ack.user.username for ack in response.context["recent"]} >= {"alice", "bob", "carol"}


def test_acknowledgements_empty_state(client, personas):
    client.force_login(personas.dave)
    page = client.get(reverse("compliance:acknowledgements")).content.decode()
    assert "Every insider has a current acknowledgement." in page


def test_acknowledgements_query_count_does_not_grow(
    client, personas, make_user, django_assert_max_num_queries
):
    for index in range(6):
        user = make_user(f"member{index}", Role.ACCOUNT_MANAGER)
        account_services.team_member_add(account=personas.alice_account, user=user, role="member")
    client.force_login(personas.dave)
    # 13: one of them loads the authenticator dave signed in with (django-otp, every request).
    with django_assert_max_num_queries(13):
        response = client.get(reverse("compliance:acknowledgements"))
    assert len(response.context["page"].object_list) == 6


# Walls and memos. ----------------------------------------------------------------------------------


def test_walls_overview(client, personas, make_user):
    nora = make_user("nora", Role.ACCOUNT_MANAGER)
    account_services.team_member_add(account=personas.alice_account, user=nora, role="member")
    client.force_login(personas.dave)
    response = client.get(reverse("compliance:walls"))
    assert response.status_code == 200
    rows = {account.name: account for account in response.context["page"].object_list}
    assert set(rows) == {"Northwind Retail", "Contoso Stores"}
    northwind = rows["Northwind Retail"]
    assert northwind.competitor_names == ["Contoso Stores"]
    assert northwind.team_size == 3  # alice, carol, nora
    assert northwind.pending_acknowledgements == 1  # nora
    assert rows["Contoso Stores"].pending_acknowledgements == 0
    assert not northwind.custom_memo


def test_walls_empty_state(client, make_user):
    dave = make_user("dave", Role.COMPLIANCE_OFFICER)
    client.force_login(dave)
    assert "No account has a competitor yet" in client.get(reverse("compliance:walls")).content.decode()


def test_edit_the_wall_memo(client, personas):
    account = personas.alice_account
    client.force_login(personas.dave)
    url = reverse("compliance:wall_memo", args=[account.pk])
    page = client.get(url).content.decode()
    assert "Contoso Stores" in page  # the default memo names the competitor
    response = client.post(url, {"text": "x" * 4001})
    assert response.status_code == 200
    assert "text" in response.context["form"].errors
    response = client.post(url, {"text": "Nothing about Northwind leaves its team."})
    assert response.status_code == 302
    assert WallMemo.objects.get(account=account).text == "Nothing about Northwind leaves its team."
    assert "Nothing about Northwind leaves its team." in client.get(url).content.decode()
    assert client.get(reverse("compliance:walls")).context["page"].object_list[1].custom_memo
    # Empty: back to the default.
    client.post(url, {"text": "  "})
    assert services.memo_text(account).startswith("Northwind Retail is a confidential key account")
    assert client.get(reverse("compliance:wall_memo", args=[999999])).status_code == 404


# Permissions. --------------------------------------------------------------------------------------

COMPLIANCE_PAGES = (
    "compliance:crossings",
    "compliance:exceptions",
    "compliance:acknowledgements",
    "compliance:walls",
)


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "admin"])
def test_compliance_pages_refuse_everyone_else(client, personas, persona):
    client.force_login(getattr(personas, persona))
    for name in COMPLIANCE_PAGES:
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("compliance:wall_memo", args=[personas.alice_account.pk])).status_code == 403
    assert (
        client.post(
            reverse("compliance:wall_memo", args=[personas.alice_account.pk]), {"text": "x"}
        ).status_code
        == 403
    )
    assert not WallMemo.objects.exists()


def test_compliance_officers_do_not_request_crossings(client, personas):
    client.force_login(personas.dave)
    assert client.get(reverse("compliance:crossing_request")).status_code == 403
    assert client.get(reverse("compliance:my_crossings")).status_code == 403
