"""Brewer-Nash without a race: a user opening two competing accounts at the same moment gets one.

isabel sits on the teams of two accounts that were just linked as competitors and has read
neither. Two threads, each with its own database connection and its own request transaction,
open the two account pages at once. Whichever decision comes first must be seen by the other
(compliance/access.py takes a per-user lock before deciding and writes the read history in the
same transaction), so the second answers 404. Repeated over fresh pairs, never two 200s.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from accounts.services import competitor_link_create
from accounts.tests.factories import AccountFactory, SegmentFactory, UserFactory, team_member
from kam.roles import Role

ROUNDS = 30

pytestmark = pytest.mark.django_db(transaction=True)


def _isabel_between_two_competitors(n: int, segment, officer):
    isabel = UserFactory(username=f"isabel{n}", role=Role.ACCOUNT_MANAGER)
    first = AccountFactory(name=f"Race first {n}", segment=segment)
    second = AccountFactory(name=f"Race second {n}", segment=segment)
    team_member(first, isabel)
    team_member(second, isabel)
    competitor_link_create(account=first, competitor=second, segment=segment, actor=officer)
    return isabel, first, second


def _open_both_at_once(isabel, accounts) -> list[int]:
    clients = []
    for _ in accounts:
        client = Client()
        client.force_login(isabel)
        clients.append(client)
    start = threading.Barrier(len(accounts))
    statuses: list[int] = [0] * len(accounts)

    def open_account(i: int) -> None:
        try:
            start.wait(timeout=30)
            statuses[i] = clients[i].get(reverse("accounts:detail", args=[accounts[i].pk])).status_code
        finally:
            connection.close()  # each thread's own connection

    threads = [threading.Thread(target=open_account, args=(i,)) for i in range(len(accounts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_two_competing_accounts_opened_at_once_never_both_answer():
    segment = SegmentFactory(name="Race")
    officer = UserFactory(username="dave", role=Role.COMPLIANCE_OFFICER)
    both = []
    for n in range(ROUNDS):
        isabel, first, second = _isabel_between_two_competitors(n, segment, officer)
        statuses = _open_both_at_once(isabel, [first, second])
        assert sorted(statuses) in ([200, 404], [200, 200]), f"round {n}: {statuses}"
        if statuses == [200, 200]:
            both.append(n)
    assert not both, f"both competing accounts opened in {len(both)} of {ROUNDS} rounds: {both}"
