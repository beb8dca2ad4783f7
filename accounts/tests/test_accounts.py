"""Accounts as their users meet them: constraints, forms with bad input, the wall, the list, the flows.

alice leads "Northwind Retail"; bob leads its competitor "Contoso Stores"; carol sponsors alice's
account; dave is the compliance officer; admin administers (see accounts/tests/factories.py).
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import Account, AccountTeamMember, CompetitorLink, Stakeholder
from accounts.services import CONTEXT_FIELDS
from accounts.tests.factories import AccountFactory, SegmentFactory, StakeholderFactory
from kam.roles import Role

DETAIL_LINK = re.compile(r'href="/accounts/\d+/"')


@pytest.fixture
def as_alice(client, personas):
    client.force_login(personas.alice)
    return client


def detail_url(account) -> str:
    return reverse("accounts:detail", args=[account.pk])


def page(response) -> str:
    return response.content.decode()


def without_csrf_token(content: str) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", content)


def account_form_data(personas, **overrides) -> dict:
    data = {
        "name": "Fabrikam Foods",
        "segment": personas.segment.pk,
        "tier": Account.Tier.STRATEGIC,
        "owner": personas.alice.pk,
        "relationship_word": "trusted",
        "orientation": Account.Orientation.PARTNERSHIP,
        **{f"context-{field}": "" for field in CONTEXT_FIELDS},
    }
    data.update(overrides)
    return data


def stakeholder_form_data(**overrides) -> dict:
    data = {
        "name": "Ada Lovelace",
        "title": "CFO",
        "reports_to": "",
        "influence": Stakeholder.Influence.DECISION_MAKER,
        "attitude": Stakeholder.Attitude.CHAMPION,
        "email": "",
        "phone": "",
        "notes": "",
        "relationship_owner": "",
    }
    data.update(overrides)
    return data


# Models and constraints ------------------------------------------------------------------------


def test_account_names_are_unique_ignoring_case_in_the_database(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(name="NORTHWIND retail", segment=personas.segment, owner=personas.alice)


def test_account_service_refuses_a_name_taken_in_another_case(personas):
    with pytest.raises(ValidationError, match="An account with this name already exists"):
        services.account_create(name="  northwind RETAIL ", segment=personas.segment, owner=personas.alice)


def test_competitor_link_is_stored_lower_id_first(personas):
    first, second = sorted([personas.alice_account, personas.bob_account], key=lambda a: a.pk)
    segment = SegmentFactory(name="Online")

    with pytest.raises(IntegrityError), transaction.atomic():
        CompetitorLink.objects.create(account_a=second, account_b=first, segment=segment)


def test_competitor_link_is_unique_per_pair_and_segment(personas):
    first, second = sorted([personas.alice_account, personas.bob_account], key=lambda a: a.pk)

    with pytest.raises(IntegrityError), transaction.atomic():
        CompetitorLink.objects.create(account_a=first, account_b=second, segment=personas.segment)


def test_competitor_service_records_a_reversed_pair_in_another_segment_once(personas):
    online = SegmentFactory(name="Online")

    link = services.competitor_link_create(
        account=personas.bob_account, competitor=personas.alice_account, segment=online, actor=personas.dave
    )

    assert link.account_a_id < link.account_b_id
    with pytest.raises(ValidationError, match="already recorded as competitors in Online"):
        services.competitor_link_create(
            account=personas.alice_account,
            competitor=personas.bob_account,
            segment=online,
            actor=personas.dave,
        )


def test_an_account_cannot_compete_with_itself(personas):
    with pytest.raises(ValidationError, match="An account cannot compete with itself"):
        services.competitor_link_create(
            account=personas.alice_account,
            competitor=personas.alice_account,
            segment=personas.segment,
            actor=personas.dave,
        )


def test_an_account_has_one_lead(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        AccountTeamMember.objects.create(
            account=personas.alice_account, user=personas.bob, role=AccountTeamMember.Role.LEAD
        )
    with pytest.raises(ValidationError, match="change the owner instead"):
        services.team_member_add(
            account=personas.alice_account, user=personas.bob, role=AccountTeamMember.Role.LEAD
        )


def test_a_stakeholder_cannot_report_to_themself(personas):
    grace = personas.stakeholder

    with pytest.raises(IntegrityError), transaction.atomic():
        Stakeholder.objects.filter(pk=grace.pk).update(reports_to=grace)
    with pytest.raises(ValidationError, match="reporting loop"):
        services.stakeholder_update(stakeholder=grace, reports_to=grace)


def test_a_reporting_loop_is_refused(personas):
    grace = personas.stakeholder
    ada = services.stakeholder_create(
        account=personas.alice_account, name="Ada", title="CFO", reports_to=grace
    )
    linus = services.stakeholder_create(
        account=personas.alice_account, name="Linus", title="Dev", reports_to=ada
    )

    with pytest.raises(ValidationError, match="That would make a reporting loop"):
        services.stakeholder_update(stakeholder=grace, reports_to=linus)

    grace.refresh_from_db()
    assert grace.reports_to is None


def test_a_stakeholder_reports_only_to_someone_at_the_same_account(personas):
    contoso_cio = StakeholderFactory(account=personas.bob_account)

    with pytest.raises(ValidationError, match="must be a stakeholder of this account"):
        services.stakeholder_update(stakeholder=personas.stakeholder, reports_to=contoso_cio)


def test_an_executive_sponsor_must_be_an_executive(personas):
    with pytest.raises(ValidationError, match="An executive sponsor must be an executive"):
        services.team_member_add(
            account=personas.bob_account, user=personas.alice, role=AccountTeamMember.Role.SPONSOR
        )
    assert not personas.bob_account.team.filter(user=personas.alice).exists()


def test_the_lead_cannot_be_removed(personas):
    lead = personas.alice_account.team.get(role=AccountTeamMember.Role.LEAD)

    with pytest.raises(ValidationError, match="The lead cannot be removed"):
        services.team_member_remove(member=lead)

    assert personas.alice_account.team.filter(user=personas.alice, role="lead").exists()


# Forms with bad input, through the views -------------------------------------------------------


def test_account_without_a_name_is_refused_and_nothing_written(as_alice, personas):
    response = as_alice.post(reverse("accounts:create"), account_form_data(personas, name=""))

    assert response.status_code == 200
    assert "This field is required." in page(response)
    assert Account.objects.count() == 2


def test_duplicate_account_name_in_another_case_is_refused_with_a_clear_message(as_alice, personas):
    response = as_alice.post(reverse("accounts:create"), account_form_data(personas, name="NORTHWIND RETAIL"))

    assert response.status_code == 200
    assert "An account with this name already exists." in page(response)
    assert not Account.objects.filter(name="NORTHWIND RETAIL").exists()
    assert Account.objects.count() == 2


def test_duplicate_account_name_in_another_case_writes_nothing(as_alice, personas):
    response = as_alice.post(reverse("accounts:create"), account_form_data(personas, name="NORTHWIND RETAIL"))

    assert response.status_code == 200
    assert "Nothing was saved." in page(response)
    assert Account.objects.count() == 2


def test_relationship_word_with_a_space_is_refused(as_alice, personas):
    response = as_alice.post(
        reverse("accounts:create"), account_form_data(personas, relationship_word="trusted partner")
    )

    assert response.status_code == 200
    assert "Describe the relationship in one word" in page(response)
    assert not Account.objects.filter(name="Fabrikam Foods").exists()


def test_oversized_strategy_text_is_refused_on_create(as_alice, personas):
    data = account_form_data(personas, **{"context-strategy_3m": "x" * 4001})

    response = as_alice.post(reverse("accounts:create"), data)

    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters (it has 4001)." in page(response)
    assert not Account.objects.filter(name="Fabrikam Foods").exists()


def test_oversized_strategy_text_is_refused_on_edit_and_nothing_saved(as_alice, personas):
    account = personas.alice_account
    data = account_form_data(personas, name="Northwind Renamed", **{"context-strategy_12m": "x" * 4001})

    response = as_alice.post(reverse("accounts:edit", args=[account.pk]), data)

    assert response.status_code == 200
    assert "Ensure this value has at most 4000 characters" in page(response)
    account.refresh_from_db()
    account.context.refresh_from_db()
    assert account.name == "Northwind Retail"
    assert account.context.strategy_12m == ""


def test_an_owner_who_is_not_an_account_manager_is_rejected(as_alice, personas):
    response = as_alice.post(reverse("accounts:create"), account_form_data(personas, owner=personas.carol.pk))

    assert response.status_code == 200
    assert "Select a valid choice." in page(response)
    assert not Account.objects.filter(name="Fabrikam Foods").exists()


def test_the_owner_list_offers_only_account_managers(as_alice, personas):
    content = page(as_alice.get(reverse("accounts:create")))

    assert f'value="{personas.bob.pk}"' in content
    assert f'value="{personas.carol.pk}"' not in content
    assert f'value="{personas.dave.pk}"' not in content


# The wall, through the gateway -----------------------------------------------------------------


def test_alice_reads_her_account_and_its_confidential_rows(as_alice, personas):
    response = as_alice.get(detail_url(personas.alice_account))

    assert response.status_code == 200
    content = page(response)
    assert "Northwind Retail" in content
    assert "Grace Hopper" in content
    assert "Contoso Stores" in content  # her competitor, from the competitor graph


@pytest.mark.parametrize(
    "route",
    ["accounts:detail", "accounts:edit", "accounts:stakeholder_create"],
)
def test_walled_account_pages_answer_404_to_a_competitor(client, personas, route):
    client.force_login(personas.bob)

    response = client.get(reverse(route, args=[personas.alice_account.pk]))

    assert response.status_code == 404
    assert "Northwind" not in page(response)


@pytest.mark.parametrize("route", ["accounts:stakeholder_edit", "accounts:stakeholder_delete"])
def test_walled_stakeholder_pages_answer_404_to_a_competitor(client, personas, route):
    client.force_login(personas.bob)

    response = client.get(reverse(route, args=[personas.alice_account.pk, personas.stakeholder.pk]))

    assert response.status_code == 404
    assert "Grace Hopper" not in page(response)


def test_a_stakeholder_cannot_be_reached_through_another_account(client, personas):
    client.force_login(personas.bob)

    response = client.get(
        reverse("accounts:stakeholder_edit", args=[personas.bob_account.pk, personas.stakeholder.pk])
    )

    assert response.status_code == 404


def test_an_account_that_does_not_exist_answers_like_a_walled_one(client, personas):
    client.force_login(personas.bob)

    missing = client.get(reverse("accounts:detail", args=[999_999]))
    walled = client.get(detail_url(personas.alice_account))

    assert missing.status_code == walled.status_code == 404
    assert without_csrf_token(page(missing)) == without_csrf_token(page(walled))


def test_walled_account_is_hidden_from_the_list(client, personas):
    client.force_login(personas.bob)

    content = page(client.get(reverse("accounts:list")))

    assert "Contoso Stores" in content
    assert "Northwind" not in content


def test_walled_account_is_hidden_from_search(client, personas):
    client.force_login(personas.bob)

    response = client.get(reverse("accounts:list"), {"q": "Northwind"})

    assert response.status_code == 200
    assert "Northwind" not in page(response).replace('value="Northwind"', "")
    assert "No accounts match these filters." in page(response)


def test_executive_sees_every_account_but_links_only_to_the_one_she_sponsors(client, personas):
    client.force_login(personas.carol)

    content = page(client.get(reverse("accounts:list")))

    assert "Northwind Retail" in content
    assert "Contoso Stores" in content
    assert f'href="{detail_url(personas.alice_account)}"' in content
    assert f'href="{detail_url(personas.bob_account)}"' not in content


def test_executive_reads_the_account_she_sponsors_but_not_its_competitor(client, personas):
    client.force_login(personas.carol)

    assert client.get(detail_url(personas.alice_account)).status_code == 200
    assert client.get(detail_url(personas.bob_account)).status_code == 404


def test_executive_sponsor_is_offered_no_edit_buttons(client, personas):
    client.force_login(personas.carol)

    content = page(client.get(detail_url(personas.alice_account)))

    assert reverse("accounts:edit", args=[personas.alice_account.pk]) not in content
    assert "Add stakeholder" not in content
    assert "Add to team" not in content


def test_compliance_officer_sees_the_portfolio_but_no_account_page(client, personas):
    client.force_login(personas.dave)

    content = page(client.get(reverse("accounts:list")))

    assert "Northwind Retail" in content
    assert "Contoso Stores" in content
    assert not DETAIL_LINK.search(content)
    assert client.get(detail_url(personas.alice_account)).status_code == 404


# The account list ------------------------------------------------------------------------------


@pytest.fixture
def wholesale_account(personas):
    """A second account of alice's, in another segment and tier."""
    return AccountFactory(
        name="Adventure Works",
        segment=SegmentFactory(name="Wholesale"),
        owner=personas.alice,
        tier="standard",
    )


def test_search_finds_accounts_by_part_of_the_name(as_alice, wholesale_account):
    content = page(as_alice.get(reverse("accounts:list"), {"q": "wind"}))

    assert "Northwind Retail" in content
    assert "Adventure Works" not in content


def test_search_with_no_match_says_so(as_alice, personas):
    content = page(as_alice.get(reverse("accounts:list"), {"q": "zzz"}))

    assert "No accounts match these filters." in content
    assert "Northwind Retail" not in content


def test_list_filters_by_segment(as_alice, wholesale_account):
    content = page(as_alice.get(reverse("accounts:list"), {"segment": wholesale_account.segment.pk}))

    assert "Adventure Works" in content
    assert "Northwind Retail" not in content


def test_list_filters_by_tier(as_alice, wholesale_account):
    content = page(as_alice.get(reverse("accounts:list"), {"tier": "key"}))

    assert "Northwind Retail" in content
    assert "Adventure Works" not in content


def test_list_filters_by_owner(client, personas):
    client.force_login(personas.carol)

    content = page(client.get(reverse("accounts:list"), {"owner": personas.bob.pk}))

    assert "Contoso Stores" in content
    assert "Northwind Retail" not in content


def test_list_sorts_by_name_both_ways(as_alice, wholesale_account):
    ascending = page(as_alice.get(reverse("accounts:list")))
    descending = page(as_alice.get(reverse("accounts:list"), {"sort": "-name"}))

    assert ascending.index("Adventure Works") < ascending.index("Northwind Retail")
    assert descending.index("Northwind Retail") < descending.index("Adventure Works")


def test_list_is_paginated(as_alice, personas):
    AccountFactory.create_batch(30, owner=personas.alice, segment=personas.segment)

    first = as_alice.get(reverse("accounts:list"))
    second = as_alice.get(reverse("accounts:list"), {"page": 2})

    assert "31 accounts" in page(first)
    assert "Page 1 of 2" in page(first)
    assert len(DETAIL_LINK.findall(page(first))) == 25
    assert second.status_code == 200
    assert "Page 2 of 2" in page(second)
    assert len(DETAIL_LINK.findall(page(second))) == 6


def test_pagination_keeps_the_filters(as_alice, personas):
    AccountFactory.create_batch(30, owner=personas.alice, segment=personas.segment, tier="strategic")

    content = page(as_alice.get(reverse("accounts:list"), {"tier": "strategic"}))

    assert "30 accounts" in content
    assert "tier=strategic&amp;page=2" in content


def test_user_with_no_accounts_is_told_how_to_start(client, make_user):
    client.force_login(make_user("erin", Role.ACCOUNT_MANAGER))

    content = page(client.get(reverse("accounts:list")))

    assert "You are on no account team yet." in content
    assert "Create the first account" in content


@pytest.mark.parametrize(
    "query",
    [
        {"tier": "bogus", "segment": "abc", "page": "999"},
        {"owner": "99999999999999999999", "sort": "sideways", "page": "-1"},
        {"segment": "99999999999999999999", "page": "abc"},
        {"q": "n" * 101},
    ],
)
def test_invalid_filter_values_show_the_list_not_an_error(as_alice, personas, query):
    response = as_alice.get(reverse("accounts:list"), query)

    assert response.status_code == 200
    content = page(response)
    assert "Northwind Retail" in content
    assert "text-danger" in content  # the bad filter is pointed out next to its field


# Creating and editing accounts -----------------------------------------------------------------


def test_alice_creates_an_account_and_becomes_its_lead(as_alice, personas):
    response = as_alice.post(reverse("accounts:create"), account_form_data(personas), follow=True)

    account = Account.objects.get(name="Fabrikam Foods")
    # A new insider, the lead included, reads the account's wall memo before first access.
    memo = reverse("compliance:acknowledge", args=[account.pk]) + f"?next=%2Faccounts%2F{account.pk}%2F"
    assert response.redirect_chain == [(detail_url(account), 302), (memo, 302)]
    assert "Account “Fabrikam Foods” created. You are its lead." in page(response)
    assert account.team.get(role=AccountTeamMember.Role.LEAD).user == personas.alice
    assert account.context.updated_by == personas.alice


def test_new_account_keeps_its_confidential_strategy(as_alice, personas):
    data = account_form_data(personas, **{"context-strategy_6m": "Open 40 stores in the Nordics."})

    as_alice.post(reverse("accounts:create"), data)
    account = Account.objects.get(name="Fabrikam Foods")
    acknowledged = as_alice.post(
        reverse("compliance:acknowledge", args=[account.pk]), {"confirm": "yes"}, follow=True
    )

    assert "Open 40 stores in the Nordics." in page(acknowledged)


def test_a_creator_who_is_not_the_owner_cannot_write_the_confidential_context(as_alice, personas):
    data = account_form_data(personas, owner=personas.bob.pk, **{"context-strategy_6m": "Secret plan."})

    response = as_alice.post(reverse("accounts:create"), data)

    assert response.status_code == 200
    assert "Only the account&#x27;s team writes its confidential context" in page(response)
    assert not Account.objects.filter(name="Fabrikam Foods").exists()


def test_creating_an_account_for_another_owner_lands_on_a_page_the_creator_may_see(as_alice, personas):
    data = account_form_data(personas, owner=personas.bob.pk)

    response = as_alice.post(reverse("accounts:create"), data, follow=True)

    assert response.status_code == 200
    assert "You are its lead" not in page(response)


def test_changing_the_owner_makes_the_new_owner_lead(as_alice, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    account = personas.alice_account
    data = account_form_data(personas, name=account.name, owner=erin.pk)

    response = as_alice.post(reverse("accounts:edit", args=[account.pk]), data)

    assert response.status_code == 302
    assert account.team.get(role=AccountTeamMember.Role.LEAD).user == erin
    assert account.team.get(user=personas.alice).role == AccountTeamMember.Role.MEMBER


def test_editing_an_account_saves_it_with_a_message(as_alice, personas):
    account = personas.alice_account
    data = account_form_data(
        personas, name="Northwind Retail Group", relationship_word="indispensable", tier="strategic"
    )

    response = as_alice.post(reverse("accounts:edit", args=[account.pk]), data, follow=True)

    assert response.redirect_chain == [(detail_url(account), 302)]
    assert "Account saved." in page(response)
    account.refresh_from_db()
    assert (account.name, account.relationship_word, account.tier) == (
        "Northwind Retail Group",
        "indispensable",
        "strategic",
    )


def test_renaming_onto_another_account_name_is_refused(as_alice, personas):
    account = personas.alice_account

    response = as_alice.post(
        reverse("accounts:edit", args=[account.pk]), account_form_data(personas, name="contoso stores")
    )

    assert response.status_code == 200
    assert "An account with this name already exists." in page(response)
    account.refresh_from_db()
    assert account.name == "Northwind Retail"


# Stakeholders ----------------------------------------------------------------------------------


def test_alice_adds_a_stakeholder(as_alice, personas):
    account = personas.alice_account
    data = stakeholder_form_data(reports_to=personas.stakeholder.pk, relationship_owner=personas.alice.pk)

    response = as_alice.post(reverse("accounts:stakeholder_create", args=[account.pk]), data, follow=True)

    assert response.redirect_chain == [(detail_url(account), 302)]
    assert "Stakeholder Ada Lovelace added." in page(response)
    ada = account.stakeholders.get(name="Ada Lovelace")
    assert ada.reports_to == personas.stakeholder
    assert ada.relationship_owner == personas.alice


def test_stakeholder_without_a_title_is_refused(as_alice, personas):
    account = personas.alice_account

    response = as_alice.post(
        reverse("accounts:stakeholder_create", args=[account.pk]), stakeholder_form_data(title="")
    )

    assert response.status_code == 200
    assert "This field is required." in page(response)
    assert not account.stakeholders.filter(name="Ada Lovelace").exists()


def test_alice_edits_a_stakeholder(as_alice, personas):
    grace = personas.stakeholder
    url = reverse("accounts:stakeholder_edit", args=[personas.alice_account.pk, grace.pk])

    response = as_alice.post(url, stakeholder_form_data(name="Grace Hopper", title="CTO"), follow=True)

    assert "Stakeholder Grace Hopper saved." in page(response)
    grace.refresh_from_db()
    assert grace.title == "CTO"


def test_editing_a_stakeholder_into_a_reporting_loop_shows_an_error(as_alice, personas):
    grace = personas.stakeholder
    ada = services.stakeholder_create(
        account=personas.alice_account, name="Ada", title="CFO", reports_to=grace
    )
    url = reverse("accounts:stakeholder_edit", args=[personas.alice_account.pk, grace.pk])

    response = as_alice.post(url, stakeholder_form_data(name="Grace Hopper", title="CIO", reports_to=ada.pk))

    assert response.status_code == 200
    assert "That would make a reporting loop." in page(response)
    grace.refresh_from_db()
    assert grace.reports_to is None


def test_deleting_a_stakeholder_asks_first_then_deletes_on_post(as_alice, personas):
    grace = personas.stakeholder
    url = reverse("accounts:stakeholder_delete", args=[personas.alice_account.pk, grace.pk])

    confirmation = as_alice.get(url)

    assert confirmation.status_code == 200
    assert "Delete stakeholder Grace Hopper?" in page(confirmation)
    assert Stakeholder.objects.filter(pk=grace.pk).exists()

    response = as_alice.post(url, follow=True)

    assert "Stakeholder Grace Hopper deleted." in page(response)
    assert not Stakeholder.objects.filter(pk=grace.pk).exists()


# The account team ------------------------------------------------------------------------------


def test_alice_adds_a_team_member_who_can_then_read_the_account(as_alice, client, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    account = personas.alice_account

    response = as_alice.post(
        reverse("accounts:team_add", args=[account.pk]), {"user": erin.pk, "role": "member"}, follow=True
    )

    assert "erin joined the team." in page(response)
    client.force_login(erin)
    memo = reverse("compliance:acknowledge", args=[account.pk])
    assert client.get(detail_url(account)).url.startswith(memo)
    client.post(memo, {"confirm": "yes"})
    assert client.get(detail_url(account)).status_code == 200


def test_adding_a_non_executive_as_sponsor_is_refused_with_a_message(as_alice, personas):
    account = personas.alice_account

    response = as_alice.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": personas.bob.pk, "role": "sponsor"},
        follow=True,
    )

    assert "Team member not added: " in page(response)
    assert "An executive sponsor must be an executive." in page(response)
    assert not account.team.filter(user=personas.bob).exists()


def test_team_error_message_names_the_field_by_its_label(as_alice, personas):
    response = as_alice.post(
        reverse("accounts:team_add", args=[personas.alice_account.pk]),
        {"user": personas.bob.pk, "role": "sponsor"},
        follow=True,
    )

    assert "Team member not added: Role: An executive sponsor must be an executive." in page(response)


def test_a_compliance_officer_cannot_join_an_account_team(as_alice, client, personas):
    account = personas.alice_account

    response = as_alice.post(
        reverse("accounts:team_add", args=[account.pk]),
        {"user": personas.dave.pk, "role": "member"},
        follow=True,
    )

    assert "Team member not added" in page(response)
    client.force_login(personas.dave)
    assert client.get(detail_url(account)).status_code == 404


def test_an_executive_joins_as_sponsor_not_as_member(as_alice, personas, make_user):
    frank = make_user("frank", Role.EXECUTIVE)
    url = reverse("accounts:team_add", args=[personas.alice_account.pk])

    refused = as_alice.post(url, {"user": frank.pk, "role": "member"}, follow=True)
    accepted = as_alice.post(url, {"user": frank.pk, "role": "sponsor"}, follow=True)

    assert "Team member not added" in page(refused)
    assert "frank joined the team." in page(accepted)
    assert personas.alice_account.team.get(user=frank).role == AccountTeamMember.Role.SPONSOR


def test_removing_a_team_member_asks_first_then_removes_on_post(as_alice, client, personas, make_user):
    erin = make_user("erin", Role.ACCOUNT_MANAGER)
    account = personas.alice_account
    member = services.team_member_add(account=account, user=erin, role="member")
    url = reverse("accounts:team_remove", args=[account.pk, member.pk])

    confirmation = as_alice.get(url)

    assert "Remove erin from the team of Northwind Retail?" in page(confirmation)
    assert account.team.filter(user=erin).exists()

    response = as_alice.post(url, follow=True)

    assert "erin left the team." in page(response)
    client.force_login(erin)
    assert client.get(detail_url(account)).status_code == 404


def test_the_lead_cannot_be_removed_through_the_page(as_alice, personas):
    account = personas.alice_account
    lead = account.team.get(role=AccountTeamMember.Role.LEAD)

    response = as_alice.post(reverse("accounts:team_remove", args=[account.pk, lead.pk]), follow=True)

    assert "The lead cannot be removed; give the account another owner first." in page(response)
    assert account.team.filter(pk=lead.pk, user=personas.alice).exists()


# The competitor graph --------------------------------------------------------------------------


def test_compliance_officer_records_a_competitor_pair(client, personas):
    fabrikam = AccountFactory(name="Fabrikam Foods", segment=personas.segment)
    client.force_login(personas.dave)

    response = client.post(
        reverse("compliance:competitors"),
        {"account": fabrikam.pk, "competitor": personas.alice_account.pk, "segment": personas.segment.pk},
        follow=True,
    )

    assert "Recorded: Northwind Retail competes with Fabrikam Foods in Retail." in page(response)
    assert CompetitorLink.objects.count() == 2


def test_a_new_competitor_pair_warns_about_people_on_both_teams(client, personas):
    fabrikam = AccountFactory(name="Fabrikam Foods", segment=personas.segment, owner=personas.alice)
    client.force_login(personas.dave)

    response = client.post(
        reverse("compliance:competitors"),
        {"account": fabrikam.pk, "competitor": personas.alice_account.pk, "segment": personas.segment.pk},
        follow=True,
    )

    assert "On both teams: alice." in page(response)


def test_a_duplicate_competitor_pair_is_refused_with_a_message(client, personas):
    client.force_login(personas.dave)

    response = client.post(
        reverse("compliance:competitors"),
        {
            "account": personas.bob_account.pk,
            "competitor": personas.alice_account.pk,
            "segment": personas.segment.pk,
        },
    )

    assert response.status_code == 200
    assert "Northwind Retail and Contoso Stores are already recorded as competitors in Retail." in page(
        response
    )
    assert CompetitorLink.objects.count() == 1


def test_an_account_competing_with_itself_is_refused_with_a_message(client, personas):
    client.force_login(personas.dave)
    same = personas.alice_account.pk

    response = client.post(
        reverse("compliance:competitors"),
        {"account": same, "competitor": same, "segment": personas.segment.pk},
    )

    assert "An account cannot compete with itself." in page(response)
    assert CompetitorLink.objects.count() == 1


# Navigation ------------------------------------------------------------------------------------


def test_account_manager_is_offered_a_new_account_but_not_compliance_or_admin(as_alice):
    content = page(as_alice.get(reverse("accounts:list")))

    assert "New account" in content
    assert "Competitor graph" not in content
    assert "Administration" not in content


def test_executive_is_not_offered_a_new_account(client, personas):
    client.force_login(personas.carol)

    assert "New account" not in page(client.get(reverse("accounts:list")))


def test_compliance_officer_is_offered_the_competitor_graph(client, personas):
    client.force_login(personas.dave)

    content = page(client.get(reverse("accounts:list")))

    assert "Competitor graph" in content
    assert "New account" not in content


def test_administrator_is_offered_the_administration(client, personas):
    client.force_login(personas.admin)

    content = page(client.get(reverse("accounts:list")))

    assert "Administration" in content
    assert "Competitor graph" not in content


# The admin -------------------------------------------------------------------------------------


def test_administrator_renames_a_segment_in_the_admin(client, personas):
    client.force_login(personas.admin)
    url = reverse("admin:accounts_segment_change", args=[personas.segment.pk])

    response = client.post(url, {"name": "Retail and leisure", "description": ""})

    assert response.status_code == 302
    personas.segment.refresh_from_db()
    assert personas.segment.name == "Retail and leisure"
