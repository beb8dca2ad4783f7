"""The revenue CSV page: dry run first, then all rows or none, and never a walled account."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from relationships.models import MonthlyRevenue

URL = reverse("relationships:revenue_import")


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


def upload(client, text: str, **fields):
    file = SimpleUploadedFile("revenue.csv", text.encode(), "text/csv")
    return client.post(URL, {"file": file, **fields}, follow=True)


def confirmation_of(html: str) -> str:
    return re.search(r'name="confirmation" value="([^"]+)"', html).group(1)


def test_valid_file_is_checked_then_imported_on_confirmation(as_alice, personas):
    csv = (
        "account,month,revenue,margin\n"
        "Northwind Retail,2026-09,1200.50,300\n"
        "northwind retail,2026-10,900,-20\n"
    )

    html = upload(as_alice, csv).content.decode()

    assert "Import 2 rows" in html
    assert not MonthlyRevenue.objects.exists()  # the dry run wrote nothing
    response = upload(as_alice, csv, confirm="1", confirmation=confirmation_of(html))
    assert "Imported 2 monthly revenue rows" in response.content.decode()
    assert MonthlyRevenue.objects.filter(account=personas.alice_account).count() == 2


def test_bad_rows_are_all_listed_and_nothing_is_written(as_alice, personas):
    csv = (
        "account,month,revenue,margin\n"
        "Northwind Retail,2026-13,100,10\n"
        "Contoso Stores,2026-09,100,10\n"  # bob's account: as unknown to alice as a missing one
        "Northwind Retail,2026-08,-5,10\n"
    )

    html = upload(as_alice, csv).content.decode()

    assert "Nothing imported: 4 problems" in html  # line 4 has two
    assert "no account named “Contoso Stores” on your teams" in html
    assert not MonthlyRevenue.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,month\nx,2026-01\n", "Expected columns: account, month, revenue, margin."),
        ("", "The submitted file is empty."),
    ],
)
def test_malformed_files_get_one_clear_message(as_alice, content, message):
    html = upload(as_alice, content).content.decode()

    assert message in html
    assert not MonthlyRevenue.objects.exists()


def test_a_replayed_confirmation_imports_nothing_more(as_alice, personas):
    csv = "account,month,revenue,margin\nNorthwind Retail,2026-09,10,1\n"
    token = confirmation_of(upload(as_alice, csv).content.decode())
    upload(as_alice, csv, confirm="1", confirmation=token)
    MonthlyRevenue.objects.update(revenue=20)

    response = upload(as_alice, csv, confirm="1", confirmation=token)

    assert "already imported" in response.content.decode()
    assert MonthlyRevenue.objects.get().revenue == 20
