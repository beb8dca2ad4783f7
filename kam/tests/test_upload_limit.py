"""Uploads over their limit are refused while they arrive: never held whole, the page says why."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from kam.lib import upload_limit
from kam.lib.csv_import import MB
from relationships.models import MonthlyRevenue

TOO_BIG = "The file is larger than 5 MB; split it."
HEADER = b"account_id,month,revenue,margin\n"


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


@pytest.fixture
def spooled(monkeypatch):
    """Bytes Django's temporary-file handler wrote, per file."""
    written: list[int] = []
    real = TemporaryFileUploadHandler.receive_data_chunk

    def spy(self, raw_data, start):
        if start == 0:
            written.append(0)
        written[-1] += len(raw_data)
        return real(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", spy)
    return written


def csv_of(size: int) -> SimpleUploadedFile:
    row = b"1,2026-01,100,10\n"
    return SimpleUploadedFile("big.csv", HEADER + row * (size // len(row)), content_type="text/csv")


def revenue_upload(client, file, **extra):
    return client.post(reverse("relationships:revenue_import"), {"file": file}, **extra)


def test_a_20_mb_body_is_refused_by_its_length_before_a_byte_of_it_is_read(as_alice, spooled):
    response = revenue_upload(as_alice, csv_of(20 * MB))

    assert response.status_code == 200
    assert TOO_BIG in response.content.decode()
    request = response.wsgi_request
    assert request.upload_limit.refused
    assert not request._read_started  # the body was never parsed
    assert spooled == []
    assert not MonthlyRevenue.objects.exists()


def test_a_20_mb_file_that_reaches_the_parser_is_cut_off_at_the_limit(as_alice, spooled, monkeypatch):
    # As if the body's announced length could not be trusted: the handler alone stops the file.
    monkeypatch.setattr(upload_limit, "CONTENT_LENGTH_MARGIN", 100 * MB)

    response = revenue_upload(as_alice, csv_of(20 * MB))

    assert TOO_BIG in response.content.decode()
    handler = response.wsgi_request.upload_limit
    assert handler.refused
    assert 4 * MB < handler.passed_on <= 5 * MB
    assert spooled and max(spooled) <= 5 * MB  # the temporary file never held more than the limit
    assert "file" not in response.wsgi_request.FILES
    assert not MonthlyRevenue.objects.exists()


def test_a_file_just_over_the_limit_is_refused_while_it_arrives(as_alice, personas):
    # Within the margin for the form's other fields, so it is parsed; the handler stops it.
    url = reverse("relationships:interaction_import", args=[personas.alice_account.pk])
    file = SimpleUploadedFile("big.csv", b"date\n" + b"x" * (2 * MB), content_type="text/csv")

    response = as_alice.post(url, {"file": file})

    assert "The file is larger than 2 MB; split it." in response.content.decode()
    handler = response.wsgi_request.upload_limit
    assert handler.refused
    assert response.wsgi_request._read_started
    assert handler.passed_on <= 2 * MB


def test_a_file_within_the_limit_is_checked_as_before(as_alice, personas):
    url = reverse("relationships:interaction_import", args=[personas.alice_account.pk])
    file = SimpleUploadedFile("ok.csv", b"date,channel\n2026-01-01,call\n", content_type="text/csv")

    html = as_alice.post(url, {"file": file}).content.decode()

    assert "larger than" not in html
    assert "Missing column(s)" in html  # read and checked: category and summary are required


def test_the_import_still_demands_the_csrf_token(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.alice)
    url = reverse("relationships:revenue_import")

    without = client.post(url, {"file": csv_of(1024)})
    token = client.get(url).context["csrf_token"]
    with_token = client.post(url, {"file": csv_of(1024), "csrfmiddlewaretoken": str(token)})

    assert without.status_code == 403
    assert with_token.status_code == 200
    assert not MonthlyRevenue.objects.exists()


def test_a_file_sent_to_any_other_page_is_cut_off_at_the_global_limit(as_alice, personas, spooled):
    url = reverse("accounts:edit", args=[personas.alice_account.pk])

    response = as_alice.post(url, {"name": "Northwind Retail", "file": csv_of(8 * MB)})

    first = response.wsgi_request.upload_handlers[0]
    assert isinstance(first, upload_limit.LimitedUploadHandler)
    assert first.refused
    assert first.passed_on <= 5 * MB
    assert max(spooled) <= 5 * MB
    assert response.status_code < 500


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_in_chromium_a_file_over_the_limit_gets_the_message_and_stays_chosen(
    personas, login_page, live_server
):
    page = login_page(personas.alice)
    page.goto(live_server.url + reverse("relationships:revenue_import"))
    page.evaluate("window.__stillHere = true")  # htmx swaps the result in place

    page.get_by_label("CSV file").set_input_files(
        {"name": "revenue.csv", "mimeType": "text/csv", "buffer": HEADER + b"1,2026-01,100,10\n" * (400_000)}
    )
    page.get_by_role("button", name="Check the file (dry run)").click()
    page.get_by_test_id("import-problem").wait_for()

    assert TOO_BIG in page.get_by_test_id("import-problem").inner_text()
    assert page.evaluate("window.__stillHere") is True
    assert page.evaluate("document.getElementById('import-file').files[0].name") == "revenue.csv"
