"""Every CSV import (interactions, stakeholders, revenue) through one pipeline, confirmed by the same file.

A dry run keeps nothing of the file on the server: the confirmation sends the file again with the
dry run's signed digest, and anything else is refused with nothing written.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountTeamMember, Stakeholder
from accounts.tests.factories import team_member
from kam.lib import csv_import, csv_import_page
from kam.roles import Role
from relationships.models import Interaction, MonthlyRevenue

YESTERDAY = (timezone.localdate() - timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Case:
    slug: str
    url_name: str
    per_account: bool
    good: str
    other: str  # a valid file, different from `good`
    bad: str  # every row refused
    written: object  # () -> how many rows of this kind exist

    def url(self, personas) -> str:
        args = [personas.alice_account.pk] if self.per_account else []
        return reverse(f"relationships:{self.url_name}", args=args)


CASES = [
    Case(
        "interactions",
        "interaction_import",
        True,
        f"date,channel,category,summary\n{YESTERDAY},call,relationship,Coffee with the CIO\n",
        f"date,channel,category,summary\n{YESTERDAY},call,relationship,Lunch with the CFO\n",
        "date,channel,category,summary\n31/12/2025,pigeon,relationship,Bad date and channel\n",
        lambda: Interaction.objects.count(),
    ),
    Case(
        "stakeholders",
        "stakeholder_import",
        True,
        "name,title\nAda Lovelace,CFO\n",
        "name,title\nAlan Turing,Analyst\n",
        "name,title,influence\nGrace Hopper,CIO,9\n",
        lambda: Stakeholder.objects.exclude(name="Grace Hopper").count(),
    ),
    Case(
        "revenue",
        "revenue_import",
        False,
        "account,month,revenue,margin\nNorthwind Retail,2026-09,1200.50,300\n",
        "account,month,revenue,margin\nNorthwind Retail,2026-10,999,1\n",
        "account,month,revenue,margin\nNorthwind Retail,2026-13,-1,5\n",
        lambda: MonthlyRevenue.objects.count(),
    ),
]
by_slug = pytest.mark.parametrize("case", CASES, ids=[case.slug for case in CASES])


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


def post(client, url: str, content: str | bytes, **fields):
    data = content.encode() if isinstance(content, str) else content
    file = SimpleUploadedFile("import.csv", data, content_type="text/csv")
    return client.post(url, {"file": file, **fields})


def dry_run(client, url: str, content: str) -> str:
    html = post(client, url, content).content.decode()
    assert 'data-testid="import-ready"' in html, html
    return re.search(r'name="confirmation" value="([^"]+)"', html).group(1)


@by_slug
def test_the_same_file_confirmed_is_imported(as_alice, personas, case):
    token = dry_run(as_alice, case.url(personas), case.good)
    assert case.written() == 0

    response = post(as_alice, case.url(personas), case.good, confirm="1", confirmation=token)

    assert response.status_code == 302
    assert case.written() == 1


@by_slug
def test_a_different_file_is_refused_and_nothing_is_written(as_alice, personas, case):
    token = dry_run(as_alice, case.url(personas), case.good)

    response = post(as_alice, case.url(personas), case.other, confirm="1", confirmation=token)

    assert response.status_code == 200
    assert "This is not the file you checked" in response.content.decode()
    assert case.written() == 0


@by_slug
def test_a_tampered_confirmation_is_refused(as_alice, personas, case):
    token = dry_run(as_alice, case.url(personas), case.good)
    _payload, rest = token.split(":", 1)
    forged = signing.dumps({"sha256": "0" * 64, "nonce": "x"}).split(":", 1)[0] + ":" + rest

    for bad in (forged, token[:-2] + ("AA" if not token.endswith("AA") else "BB"), ""):
        response = post(as_alice, case.url(personas), case.good, confirm="1", confirmation=bad)
        assert "This confirmation is not valid here" in response.content.decode()
    assert case.written() == 0


@by_slug
def test_an_expired_confirmation_is_refused(as_alice, personas, case, monkeypatch):
    # The dry run signs as if it ran just over an hour ago.
    an_hour_ago = int(signing.time.time()) - csv_import.CONFIRMATION_MAX_AGE - 1
    monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(an_hour_ago))
    token = dry_run(as_alice, case.url(personas), case.good)
    monkeypatch.undo()

    response = post(as_alice, case.url(personas), case.good, confirm="1", confirmation=token)

    assert "more than 60 minutes old; check the file again" in response.content.decode()
    assert case.written() == 0


def test_a_confirmation_serves_only_the_kind_and_user_it_was_made_for(client, personas, make_user):
    interactions, stakeholders = CASES[0], CASES[1]
    client.force_login(personas.alice)
    token = dry_run(client, interactions.url(personas), interactions.good)
    response = post(client, stakeholders.url(personas), interactions.good, confirm="1", confirmation=token)
    assert "This confirmation is not valid here" in response.content.decode()

    teammate = make_user("hedy", Role.ACCOUNT_MANAGER)
    team_member(personas.alice_account, teammate, AccountTeamMember.Role.MEMBER)
    client.force_login(teammate)
    response = post(client, interactions.url(personas), interactions.good, confirm="1", confirmation=token)
    assert "This confirmation is not valid here" in response.content.decode()
    assert Interaction.objects.count() == 0


@by_slug
def test_a_dry_run_leaves_nothing_of_the_file_in_the_session(as_alice, personas, case):
    before = dict(as_alice.session.items())

    dry_run(as_alice, case.url(personas), case.good)

    after = dict(as_alice.session.items())
    assert after.keys() == before.keys()
    first_cell = case.good.splitlines()[1].split(",")[0]
    assert all(first_cell not in str(value) for value in after.values())


@by_slug
def test_a_confirmation_without_the_file_asks_for_it(as_alice, personas, case):
    token = dry_run(as_alice, case.url(personas), case.good)

    response = as_alice.post(case.url(personas), {"confirm": "1", "confirmation": token})

    assert response.status_code == 200
    assert 'data-testid="import-problem"' in response.content.decode()
    assert case.written() == 0


@by_slug
@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n\x00\x00binary", b"a,b\n1,2\n", "caf\xe9,x\n".encode("latin-1")]
)
def test_bad_input_is_explained_not_a_server_error(as_alice, personas, case, content):
    response = post(as_alice, case.url(personas), content)

    assert response.status_code == 200
    assert 'data-testid="import-problem"' in response.content.decode()
    assert case.written() == 0


def test_every_kind_goes_through_the_one_pipeline(as_alice, personas, monkeypatch):
    kinds = []
    real = csv_import_page.run_import

    def spy(kind, data, **kwargs):
        kinds.append(kind.slug)
        return real(kind, data, **kwargs)

    monkeypatch.setattr(csv_import_page, "run_import", spy)
    for case in CASES:
        result = post(as_alice, case.url(personas), case.bad).context["result"]
        assert len(result.errors) >= 2  # every problem of the row at once
        assert all(isinstance(error, csv_import.RowError) and error.row == 2 for error in result.errors)
        assert case.written() == 0

    assert kinds == ["interactions", "stakeholders", "revenue"]
