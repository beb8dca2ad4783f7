"""A compliance officer resets someone's two-step sign-in from the console; the log keeps it."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.tests.factories import PASSWORD
from compliance.models import AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol_with_codes(personas):
    static = StaticDevice.objects.create(user=personas.carol, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=static, token=f"abcdefg{n}") for n in range(2, 7)])
    return personas.carol


def reset_url(user) -> str:
    return reverse("compliance:second_factor_reset", kwargs={"user_id": user.pk})


def test_the_console_lists_people_with_their_second_factor_state(client, personas, carol_with_codes):
    client.force_login(personas.dave)

    page = client.get(reverse("compliance:people")).content.decode()

    carol_row = page.split('data-testid="person-carol"', 1)[1].split("</tr>", 1)[0]
    alice_row = page.split('data-testid="person-alice"', 1)[1].split("</tr>", 1)[0]
    assert ">On<" in carol_row and "<td>5</td>" in carol_row and reset_url(personas.carol) in carol_row
    assert ">Off<" in alice_row and "Reset" not in alice_row


def test_a_compliance_officer_resets_after_confirming_and_it_is_logged(client, personas, carol_with_codes):
    carol, dave = personas.carol, personas.dave
    client.force_login(dave)

    confirm = client.get(reset_url(carol))
    assert confirm.status_code == 200 and "Reset the two-step sign-in of Carol" in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=carol).exists(), "the confirmation page changes nothing"

    response = client.post(reset_url(carol), follow=True)

    assert response.redirect_chain[-1][0] == reverse("compliance:people")
    assert not TOTPDevice.objects.filter(user=carol).exists()
    assert not StaticDevice.objects.filter(user=carol).exists()
    entry = AccessLogEntry.objects.get(object_type="user", object_id=str(carol.pk), action="otp_reset")
    assert (entry.user_id, entry.outcome) == (dave.pk, "allowed")
    assert entry.path == reset_url(carol)
    carol_row = response.content.decode().split('data-testid="person-carol"', 1)[1].split("</tr>", 1)[0]
    assert "Required, not set up" in carol_row and "by dave" in carol_row
    log = client.get(reverse("compliance:log") + "?object_type=user").content.decode()
    assert "otp_reset" in log


def test_after_a_reset_the_next_sign_in_sets_it_up_again(client, password_only_client, personas):
    client.force_login(personas.dave)
    client.post(reset_url(personas.carol))

    password_only_client.post(reverse("login"), {"username": "carol", "password": PASSWORD})

    assert password_only_client.get("/")["Location"].startswith(reverse("signin:enrol"))


@pytest.mark.parametrize("persona", ["alice", "carol", "admin"])
def test_no_one_else_may_reset(client, personas, persona):
    client.force_login(getattr(personas, persona))

    assert client.get(reverse("compliance:people")).status_code == 403
    assert client.post(reset_url(personas.dave)).status_code == 403

    assert TOTPDevice.objects.filter(user=personas.dave).exists()
    assert not AccessLogEntry.objects.filter(action="otp_reset").exists()


def test_a_compliance_officer_cannot_reset_their_own(client, personas):
    client.force_login(personas.dave)

    response = client.post(reset_url(personas.dave), follow=True)

    assert "cannot reset your own" in response.content.decode()
    assert TOTPDevice.objects.filter(user=personas.dave).exists()


def test_resetting_someone_unknown_is_a_404(client, personas):
    client.force_login(personas.dave)

    assert (
        client.post(reverse("compliance:second_factor_reset", kwargs={"user_id": 999999})).status_code == 404
    )
