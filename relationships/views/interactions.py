def account_panel(request, account) -> dict:
    """Context for this part's panel on the account page (templates/relationships/includes/)."""
    return {}
