"""Health alerts: shown in the navigation until their owner marks them read."""

from django.urls import reverse
from django.utils import timezone

from relationships.models import ScoreAlert


def _alert(personas, user, message: str) -> ScoreAlert:
    return ScoreAlert.objects.create(
        account=personas.alice_account if user == personas.alice else personas.bob_account,
        user=user,
        kind=ScoreAlert.Kind.BAND_DROP,
        episode_on=timezone.localdate(),
        message=message,
    )


def test_marking_read_clears_my_alerts_and_nobody_elses(client, personas):
    _alert(personas, personas.alice, "Northwind dropped to amber")
    _alert(personas, personas.bob, "Contoso dropped to red")
    client.force_login(personas.alice)
    assert "Northwind dropped to amber" in client.get(reverse("accounts:list")).content.decode()

    response = client.post(reverse("relationships:alerts_mark_read"), {"next": "/accounts/"}, follow=True)

    page = response.content.decode()
    assert "1 alert marked read." in page
    assert "Northwind dropped to amber" not in page
    assert ScoreAlert.objects.get(user=personas.bob).read_at is None


def test_an_offsite_next_is_ignored(client, personas):
    client.force_login(personas.alice)

    response = client.post(reverse("relationships:alerts_mark_read"), {"next": "https://evil.example/"})

    assert response.url == reverse("home")
