"""CSV import (dry run, then all or nothing) and export (filtered, formula-safe)."""

import csv
import dataclasses
import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.imports import AccountPeople
from accounts.models import Stakeholder
from accounts.tests.factories import StakeholderFactory
from kam.lib.csv_guard import csv_safe
from kam.lib.csv_import import run_import
from relationships.interactions import imports
from relationships.models import Interaction
from relationships.tests.factories import log_interaction

YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()
HEADER = ",".join(column.name for column in imports.INTERACTION_COLUMNS) + "\n"


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


def import_url(personas, kind: str = "interaction") -> str:
    return reverse(f"relationships:{kind}_import", args=[personas.alice_account.pk])


def upload(client, url: str, content: bytes | str, name: str = "file.csv", **fields):
    data = content.encode() if isinstance(content, str) else content
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type="text/csv"), **fields})


def confirmation_of(html: str) -> str:
    return re.search(r'name="confirmation" value="([^"]+)"', html).group(1)


def confirm(client, url: str, content: bytes | str, confirmation: str, **kwargs):
    """The confirmation sends the file again, with the dry run's signed digest."""
    return upload(client, url, content, confirm="1", confirmation=confirmation, **kwargs)


def import_interactions(personas, content: str):
    return run_import(
        imports.INTERACTIONS,
        content.encode(),
        context=AccountPeople(personas.alice_account, personas.alice),
        commit=True,
    )


def good_rows(personas) -> str:
    return (
        HEADER
        + f"{YESTERDAY},call,relationship,Coffee with the CIO,1,0.5,support,no,alice;carol,Grace Hopper\n"
        + f'{YESTERDAY},Meeting,Firefighting,"Outage, again",-1,3,support,yes,alice,\n'
    )


def test_a_valid_file_is_dry_run_then_imported_on_confirmation(as_alice, personas):
    response = upload(as_alice, import_url(personas), good_rows(personas))
    html = response.content.decode()
    assert "Import 2 rows" in html
    assert not Interaction.objects.exists()  # the dry run wrote nothing
    token = confirmation_of(html)
    done = confirm(as_alice, import_url(personas), good_rows(personas), token)
    assert done.status_code == 302
    assert Interaction.objects.count() == 2
    coffee = Interaction.objects.get(summary="Coffee with the CIO")
    assert set(coffee.our_participants.values_list("username", flat=True)) == {"alice", "carol"}
    assert list(coffee.their_participants.all()) == [personas.stakeholder]
    # One dry run imports once: sending the same confirmation again imports nothing more.
    again = confirm(as_alice, import_url(personas), good_rows(personas), token).content.decode()
    assert "already imported" in again
    assert Interaction.objects.count() == 2


def test_every_bad_row_is_listed_and_nothing_is_written(as_alice, personas):
    bobs_person = StakeholderFactory(account=personas.bob_account, name="Linus Torvalds")
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    content = (
        HEADER
        + f"{YESTERDAY},call,relationship,Fine row,0,1,support,no,alice,\n"
        + f"{future},call,relationship,Future,0,1,support,no,alice,\n"
        + f"{YESTERDAY},call,relationship,Negative,0,-2,support,no,alice,\n"
        + f"{YESTERDAY},call,relationship,Stranger,0,1,support,no,alice,Nobody Known\n"
        + f"{YESTERDAY},call,relationship,Bob's,0,1,support,no,alice,{bobs_person.name}\n"
        + f"{YESTERDAY},call,relationship,{'z' * 4001},0,1,support,no,alice,\n"
        + f"{YESTERDAY},pigeon,relationship,Bad channel,0,1,support,no,bob,\n"
        + "31/12/2025,call,relationship,Bad date,0,1,support,no,alice,\n"
    )
    html = upload(as_alice, import_url(personas), content).content.decode()
    errors = import_interactions(personas, content).errors
    assert {(e.row, e.column) for e in errors} == {
        (3, "date"), (4, "effort_hours"), (5, "their_participants"), (6, "their_participants"),
        (7, "summary"), (8, "channel"), (8, "our_participants"), (9, "date"),
    }  # fmt: skip
    assert "cannot be in the future" in html and "Effort cannot be negative" in html
    assert "“Nobody Known” is not a stakeholder of this account" in html
    assert "“bob” is not on this account&#x27;s team" in html
    assert 'data-testid="import-ready"' not in html
    assert not Interaction.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "contains binary data"),
        (b"date;channel\n2025-01-01;call\n", "Unknown column(s): date;channel"),
        (b"date,channel,summary\n2025-01-01,call,x\n", "Missing column(s): category"),
        (b"date,channel,category,summary\n", "has a header but no rows"),
        (b"", "file is empty"),
        (
            "date,channel,category,summary\n2025-01-01,call,relationship,caf\xe9\n".encode("latin-1"),
            "not UTF-8",
        ),
        (b'date,channel,category,summary\n2025-01-01,call,relationship,"unclosed\n', "not valid CSV"),
    ],
    ids=["binary", "wrong-header", "missing-column", "no-rows", "empty", "encoding", "broken-quotes"],
)
def test_a_malformed_file_gets_a_clear_message_and_writes_nothing(as_alice, personas, content, message):
    html = upload(as_alice, import_url(personas), content).content.decode()
    assert message.replace("'", "&#x27;") in html
    assert 'data-testid="import-ready"' not in html
    assert not Interaction.objects.exists()


def test_too_many_rows_or_bytes_are_refused(as_alice, personas, monkeypatch):
    monkeypatch.setattr(imports, "INTERACTIONS", dataclasses.replace(imports.INTERACTIONS, max_rows=2))
    content = HEADER + f"{YESTERDAY},call,relationship,x,,,,,,\n" * 3
    assert (
        "has 3 rows; at most 2 can be imported"
        in upload(as_alice, import_url(personas), content).content.decode()
    )
    big = HEADER + ("a" * 1000 + "\n") * 2200
    assert "larger than 2 MB" in upload(as_alice, import_url(personas), big).content.decode()
    assert not Interaction.objects.exists()


def test_confirming_with_a_forged_confirmation_imports_nothing(as_alice, personas):
    upload(as_alice, import_url(personas), good_rows(personas))
    html = confirm(as_alice, import_url(personas), good_rows(personas), "forged").content.decode()
    assert "This confirmation is not valid here; check the file again." in html
    assert not Interaction.objects.exists()


def test_stakeholders_import_resolves_managers_and_refuses_duplicates(as_alice, personas):
    content = (
        "name,title,email,influence,attitude,reports_to,relationship_owner\n"
        "Ada Lovelace,CFO,ada@example.com,4,champion,Grace Hopper,alice\n"
        "Alan Turing,Analyst,,Low,neutral,ada@example.com,\n"
    )
    html = upload(as_alice, import_url(personas, "stakeholder"), content).content.decode()
    assert "Import 2 rows" in html
    confirm(as_alice, import_url(personas, "stakeholder"), content, confirmation_of(html))
    alan = Stakeholder.objects.get(name="Alan Turing")
    assert alan.reports_to.name == "Ada Lovelace" and alan.influence == 1
    again = upload(as_alice, import_url(personas, "stakeholder"), content).content.decode()
    assert "“Ada Lovelace” is already a stakeholder of this account" in again
    assert Stakeholder.objects.filter(account=personas.alice_account).count() == 3


def test_stakeholder_import_refuses_bad_rows_and_writes_none(as_alice, personas):
    content = "name,title,influence,relationship_owner\nGood Person,CTO,2,\nBad Person,CTO,9,bob\n,,1,\n"
    html = upload(as_alice, import_url(personas, "stakeholder"), content).content.decode()
    assert "One of: 1, 2, 3, 4" in html and "“bob” is not on this account" in html
    assert "This field cannot be blank" in html
    assert not Stakeholder.objects.filter(name="Good Person").exists()


def test_carol_may_not_import(client, personas):
    client.force_login(personas.carol)
    assert upload(client, import_url(personas), good_rows(personas)).status_code == 403


# Export ------------------------------------------------------------------------------------------


def test_export_respects_filters_and_guards_against_formulas(as_alice, personas):
    account = personas.alice_account
    log_interaction(account, personas.alice, category="firefighting", summary='=HYPERLINK("http://evil")')
    log_interaction(account, personas.alice, category="relationship", summary="@SUM(A1)", sentiment=-1)
    response = as_alice.get(
        reverse("relationships:interaction_export", args=[account.pk]), {"category": "firefighting"}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == imports.EXPORT_HEADER
    assert len(rows) == 2
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'
    everything = as_alice.get(reverse("relationships:interaction_export", args=[account.pk])).content.decode()
    rows = list(csv.reader(io.StringIO(everything)))
    assert {row[3] for row in rows[1:]} == {'\'=HYPERLINK("http://evil")', "'@SUM(A1)"}
    assert "-1" in [row[4] for row in rows[1:]]  # numbers are not mangled


@pytest.mark.parametrize("value", ["=1+1", "+CMD", "-2+3", "@SUM(A1)"])
def test_csv_safe_prefixes_formula_starts(value):
    assert csv_safe(value) == "'" + value


def test_an_export_imports_back(as_alice, personas):
    log_interaction(
        personas.alice_account,
        personas.alice,
        summary="-- minus led summary",
        their_participants=[personas.stakeholder],
    )
    exported = as_alice.get(
        reverse("relationships:interaction_export", args=[personas.alice_account.pk])
    ).content
    rows = list(csv.reader(io.StringIO(exported.decode())))
    back = io.StringIO()
    csv.writer(back).writerows([row[:10] for row in rows])
    result = import_interactions(personas, back.getvalue())
    assert result.errors == [] and result.written
    assert Interaction.objects.filter(summary="-- minus led summary").count() == 2


def test_one_row_reports_all_its_problems_at_once(as_alice, personas):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    row = f"{tomorrow},call,relationship,Too early,0,-3,support,no,alice,Nobody Here\n"

    html = upload(as_alice, import_url(personas), HEADER + row).content.decode()

    # The unknown stakeholder, the future date and the negative hours, in one dry run.
    assert "Nobody Here" in html
    assert "future" in html
    assert re.search(r"<td>2</td><td>effort_hours</td>", html)
    assert not Interaction.objects.exists()
