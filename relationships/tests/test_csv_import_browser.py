"""The CSV import in real Chromium: the dry run keeps the chosen file, so confirming needs no second pick."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from relationships.models import Interaction

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()
CSV = (
    "date,channel,category,summary,their_participants\n"
    f"{YESTERDAY},call,relationship,Coffee with the CIO,Grace Hopper\n"
    f"{YESTERDAY},meeting,value_adding,Roadmap workshop,\n"
)


def test_alice_checks_a_file_then_imports_it_without_choosing_it_again(personas, login_page, live_server):
    page = login_page(personas.alice)
    page.goto(live_server.url + reverse("accounts:detail", args=[personas.alice_account.pk]))
    page.get_by_role("link", name="Interactions CSV import").click()
    page.evaluate("window.__stillHere = true")  # a full page load would wipe this marker

    page.get_by_label("CSV file").set_input_files(
        {"name": "interactions.csv", "mimeType": "text/csv", "buffer": CSV.encode()}
    )
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.get_by_test_id("import-ready").wait_for()

    assert "All 2 rows are valid" in page.get_by_test_id("import-ready").inner_text()
    assert page.evaluate("window.__stillHere") is True
    assert not Interaction.objects.exists()

    page.get_by_role("button", name="Import 2 rows").click()
    page.get_by_text("Imported 2 interactions.").wait_for()

    assert page.url.endswith(reverse("relationships:interaction_list", args=[personas.alice_account.pk]))
    assert set(Interaction.objects.values_list("summary", flat=True)) == {
        "Coffee with the CIO",
        "Roadmap workshop",
    }
