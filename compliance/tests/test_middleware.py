"""The wall's middleware: anonymous attempts are logged, and the memo interrupts htmx requests too."""

from django.urls import reverse

from accounts.tests.factories import team_member
from compliance.models import AccessLogEntry, WallAcknowledgement
from kam.roles import Role


def test_an_anonymous_attempt_on_an_account_is_sent_to_login_and_logged(client, personas):
    account = personas.alice_account

    response = client.get(reverse("accounts:detail", args=[account.pk]))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    entry = AccessLogEntry.objects.get(account_id=account.pk, outcome="denied")
    assert entry.user_id is None and entry.reason == "not logged in"
    assert entry.path == f"/accounts/{account.pk}/"


def test_an_htmx_request_of_an_unacknowledged_insider_is_redirected_to_the_memo(client, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    team_member(personas.alice_account, erin)
    WallAcknowledgement.objects.filter(user=erin).delete()
    client.force_login(erin)

    response = client.get(
        reverse("accounts:detail", args=[personas.alice_account.pk]), HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(
        reverse("compliance:acknowledge", args=[personas.alice_account.pk])
    )
    denied = AccessLogEntry.objects.get(user_id=erin.pk, outcome="denied")
    assert denied.reason == "wall memo not acknowledged"
