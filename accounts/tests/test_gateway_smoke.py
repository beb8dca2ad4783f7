import pytest
from django.http import Http404

from compliance.access import get_account_for_user, portfolio_accounts, visible_accounts


def test_alice_gets_her_account_and_bob_gets_404(personas):
    assert get_account_for_user(personas.alice, personas.alice_account.pk) == personas.alice_account
    with pytest.raises(Http404):
        get_account_for_user(personas.bob, personas.alice_account.pk)
    assert list(visible_accounts(personas.bob)) == [personas.bob_account]
    assert set(portfolio_accounts(personas.carol)) == {personas.alice_account, personas.bob_account}
