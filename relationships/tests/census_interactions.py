"""URL census cases for interaction logging (see kam/tests/test_url_census.py)."""

from kam.tests.census import CHANGE_ALICES_ACCOUNT, Redirect, Route, expect
from relationships.tests.factories import follow_up, log_interaction

# Reading alice's interactions: her team (alice, and carol who sponsors it); outsiders get 404.
READ_ALICES = expect(alice=200, bob=404, carol=200, dave=404, admin=404)
# POSTs without data by alice come back to the interaction with an error message.
POST_ON_INTERACTION = expect(
    alice=Redirect("relationships:interaction_detail"), bob=404, carol=403, dave=404, admin=404
)

CASES: dict[str, Route] = {
    "relationships:my_week": Route(expect(alice=200, bob=200, carol=200, dave=403, admin=403)),
    "relationships:interaction_list": Route(READ_ALICES),
    "relationships:interaction_detail": Route(READ_ALICES),
    "relationships:interaction_export": Route(READ_ALICES),
    "relationships:interaction_create": Route(CHANGE_ALICES_ACCOUNT),
    # Without JavaScript an empty quick log re-shows the form with its errors (200).
    "relationships:interaction_quick_log": Route(CHANGE_ALICES_ACCOUNT, method="post"),
    # Edit and delete belong to the author (alice); carol is on the team but gets 403.
    "relationships:interaction_edit": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:interaction_delete": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:interaction_import": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:stakeholder_import": Route(CHANGE_ALICES_ACCOUNT),
    "relationships:follow_up_add": Route(POST_ON_INTERACTION, method="post"),
    "relationships:follow_up_done": Route(POST_ON_INTERACTION, method="post"),
}


def url_kwargs(personas) -> dict:
    interaction = log_interaction(
        personas.alice_account,
        personas.alice,
        their_participants=[personas.stakeholder],
        follow_ups=[follow_up(personas.alice, due_in_days=3)],
    )
    return {"interaction_id": interaction.pk, "follow_up_id": interaction.follow_ups.get().pk}
