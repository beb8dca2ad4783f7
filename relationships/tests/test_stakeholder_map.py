"""The stakeholder map: the pure layout, and the page's data (last contact, coverage)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import StakeholderFactory
from relationships.interactions.services import stakeholders_last_contact_refresh
from relationships.models import Interaction
from relationships.plans import stakeholder_map as layout
from relationships.plans.selectors import stakeholder_map_of


def test_a_manager_is_centred_over_its_reports():
    roots, children = layout.forest([(1, None), (2, 1), (3, 1), (4, 1)])
    placed = layout.tidy_layout(roots, children)
    assert roots == [1]
    assert [placed[k].column for k in (2, 3, 4)] == [0, 1, 2]
    assert placed[1].column == 1 and placed[1].depth == 0
    assert {placed[k].depth for k in (2, 3, 4)} == {1}


def test_subtrees_do_not_overlap():
    edges = [(1, None), (2, 1), (3, 1), (5, 2), (6, 2), (7, 3)]
    placed = layout.tidy_layout(*layout.forest(edges))
    spots = [(p.column, p.depth) for p in placed.values()]
    assert len(spots) == len(set(spots))
    assert placed[2].column == 0.5 and placed[3].column == 2


def test_a_forest_puts_trees_side_by_side():
    roots, children = layout.forest([(1, None), (2, 1), (10, None), (11, 10)])
    placed = layout.tidy_layout(roots, children)
    assert roots == [1, 10]
    assert placed[10].column > placed[2].column


def test_a_manager_not_on_the_map_makes_a_root():
    roots, _ = layout.forest([(1, 99), (2, 1)])
    assert roots == [1]


def test_a_reporting_loop_is_broken_at_its_lowest_id():
    roots, children = layout.forest([(3, 2), (2, 3), (4, 3), (5, 5)])
    assert roots == [5, 2]  # 5 named itself as manager; 2 is the lowest id of the 2-3 loop
    placed = layout.tidy_layout(roots, children)
    assert set(placed) == {2, 3, 4, 5}


def test_deep_chains_do_not_hit_the_recursion_limit():
    edges = [(1, None)] + [(n, n - 1) for n in range(2, 3000)]
    placed = layout.tidy_layout(*layout.forest(edges))
    assert placed[2999].depth == 2998


def test_diagram_sizes_and_lines():
    result = layout.diagram([(1, None), (2, 1), (3, 1)])
    assert len(result.lines) == 2
    assert result.width == 2 * layout.MARGIN + 2 * layout.BOX_WIDTH + layout.H_GAP
    assert result.height == 2 * layout.MARGIN + 2 * layout.BOX_HEIGHT + layout.V_GAP
    assert result.lines[0].path.startswith(f"M{result.boxes[1].x + layout.BOX_WIDTH // 2},")


def test_empty_map():
    result = layout.diagram([])
    assert (result.boxes, result.lines) == ({}, [])


def _interaction(account, author, day, people):
    interaction = Interaction.objects.create(
        account=account,
        occurred_on=day,
        channel="meeting",
        category="relationship",
        summary="Met.",
        author=author,
    )
    interaction.their_participants.set(people)
    stakeholders_last_contact_refresh(stakeholder_ids=[person.pk for person in people])


@pytest.fixture
def chart(personas):
    account = personas.alice_account
    ceo = StakeholderFactory(
        account=account, name="Ada CEO", title="CEO", influence=4, relationship_owner=personas.alice
    )
    cfo = StakeholderFactory(
        account=account,
        name="Bea CFO",
        title="CFO",
        influence=4,
        reports_to=ceo,
        relationship_owner=personas.alice,
    )
    StakeholderFactory(account=account, name="Cy COO", title="COO", influence=4, reports_to=ceo)
    today = timezone.localdate()
    _interaction(account, personas.alice, today - datetime.timedelta(days=10), [ceo])
    _interaction(account, personas.alice, today - datetime.timedelta(days=3), [ceo, cfo])
    _interaction(account, personas.alice, today - datetime.timedelta(days=200), [cfo])
    return account, ceo, cfo, today


@pytest.mark.django_db
def test_last_contact_and_coverage(chart):
    account, _ceo, _cfo, today = chart
    data = stakeholder_map_of(account)
    last = {p.name: p.last_contact for p in data["people"]}
    assert last["Ada CEO"] == today - datetime.timedelta(days=3)
    assert last["Cy COO"] is None
    assert (data["coverage"]["covered"], data["coverage"]["total"]) == (2, 3)


@pytest.mark.django_db
def test_the_map_takes_a_fixed_number_of_queries(chart, django_assert_max_num_queries):
    account = chart[0]
    with django_assert_max_num_queries(1):
        stakeholder_map_of(account)


@pytest.mark.django_db
def test_the_page_draws_the_chart_and_the_table(client, personas, chart):
    account = chart[0]
    client.force_login(personas.alice)
    page = client.get(reverse("relationships:stakeholder_map", args=[account.pk])).content.decode()
    assert "<svg" in page and "Ada CEO" in page
    assert "2 of 3</strong> decision makers covered" in page
    assert 'data-testid="stakeholder-table"' in page
    assert "Influence: Decision maker" in page and "● Neutral" in page  # text + symbol, not colour alone


@pytest.mark.django_db
def test_outsiders_get_404_on_the_map(client, personas, make_user):
    from kam.roles import Role

    for user in (personas.bob, make_user("erin", Role.EXECUTIVE)):
        client.force_login(user)
        assert (
            client.get(reverse("relationships:stakeholder_map", args=[personas.alice_account.pk])).status_code
            == 404
        )
