"""The data classification (compliance/classification.py) holds for the code and for the database.

A model that reaches an account by its keys and is not classified fails here, by name; so does a
classified model that does not exist or whose path does not lead to an account, and a confidential
table that PostgreSQL's catalog does not show under row-level security.
"""

from collections.abc import Iterator

import pytest
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models
from django.db.models import ForeignObjectRel

from compliance.classification import (
    CLASSIFICATION,
    CONFIDENTIAL,
    Unclassified,
    account_paths,
    classification_of,
    confidential_models,
    sanitized_models,
)

ACCOUNT = "accounts.Account"


def _targets(model: type[models.Model]) -> Iterator[type[models.Model]]:
    """The models `model` points at with its own keys: foreign keys, one-to-ones, many-to-manys."""
    for field in model._meta.get_fields(include_hidden=True):
        if isinstance(field, ForeignObjectRel) or not field.is_relation or field.related_model is None:
            continue  # reverse relations and generic foreign keys
        if field.many_to_one or field.one_to_one or field.many_to_many:
            yield field.related_model


def _labels_reaching_an_account() -> set[str]:
    """Every installed model (auto-created many-to-many tables included) with a key chain to Account."""
    candidates = [m for m in apps.get_models(include_auto_created=True) if not m._meta.proxy]
    reaching = {apps.get_model(ACCOUNT)}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model not in reaching and any(target in reaching for target in _targets(model)):
                reaching.add(model)
                grew = True
    return {model._meta.label for model in reaching}


def _follow(model: type[models.Model], path: str) -> type[models.Model] | None:
    """The model `path` leads to from `model` along its own keys; None when it leads nowhere."""
    names = path.split("__")
    for position, name in enumerate(names):
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if isinstance(field, ForeignObjectRel):
            return None  # a path climbs to the account, it does not come down from it
        if field.is_relation:
            model = field.related_model
        elif name != "pk" or position < len(names) - 1:
            return None  # only the account's own "pk" ends a path on a plain column
    return model


# The code. ------------------------------------------------------------------------------------------


def test_every_model_that_reaches_an_account_is_classified():
    unclassified = sorted(_labels_reaching_an_account() - set(CLASSIFICATION))
    assert not unclassified, (
        f"these models reach {ACCOUNT} but compliance/classification.py does not say whether they are "
        f"CONFIDENTIAL or SANITIZED, nor how they reach the account: {', '.join(unclassified)}"
    )


def test_every_classified_model_is_installed():
    missing = []
    for label in CLASSIFICATION:
        try:
            apps.get_model(label)
        except LookupError:
            missing.append(label)
    assert not missing, f"compliance/classification.py names models that do not exist: {missing}"


def test_every_declared_path_leads_to_an_account():
    account = apps.get_model(ACCOUNT)
    installed = {model._meta.label: model for model in apps.get_models(include_auto_created=True)}
    broken = [
        f"{label}: {path!r}"
        for label, entry in CLASSIFICATION.items()
        for path in entry.paths
        if label not in installed or _follow(installed[label], path) is not account
    ]
    assert not broken, f"paths in compliance/classification.py that do not lead to {ACCOUNT}: {broken}"


def test_a_model_without_a_path_reaches_no_account_and_is_not_confidential():
    # Row-level security keys a confidential row on its account; a model with a key to an account
    # says which.
    pathless = {label for label, entry in CLASSIFICATION.items() if not entry.paths}
    assert pathless & _labels_reaching_an_account() == set()
    assert {label for label in pathless if CLASSIFICATION[label].data_class == CONFIDENTIAL} == set()


def test_the_lookups_answer_for_classes_and_labels():
    interaction = apps.get_model("relationships.Interaction")
    assert classification_of(interaction) == classification_of("relationships.Interaction") == CONFIDENTIAL
    assert account_paths("relationships.PlanAction") == ("plan__account",)
    assert apps.get_model("relationships.Interaction_our_participants") in confidential_models()
    assert apps.get_model("relationships.AccountScore") in sanitized_models()
    with pytest.raises(Unclassified, match=r"auth\.User is not in compliance/classification\.py"):
        classification_of(apps.get_model("auth.User"))


# The database. --------------------------------------------------------------------------------------

CATALOG = """
SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
       (SELECT count(*) FROM pg_policies p WHERE p.schemaname = n.nspname AND p.tablename = c.relname)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
"""


def _catalog() -> dict[str, tuple[bool, bool, int]]:
    """Table name -> (row-level security enabled, forced, number of policies), as PostgreSQL has it."""
    with connection.cursor() as cursor:
        cursor.execute(CATALOG)
        return {name: (enabled, forced, policies) for name, enabled, forced, policies in cursor.fetchall()}


@pytest.mark.django_db
def test_every_confidential_table_is_under_forced_row_level_security_with_a_policy():
    catalog = _catalog()
    unprotected = {}
    for model in confidential_models():
        table = model._meta.db_table
        if table not in catalog:
            unprotected[table] = "no such table"
            continue
        enabled, forced, policies = catalog[table]
        lacking = [
            what
            for what, present in (("enabled", enabled), ("forced", forced), ("a policy", policies > 0))
            if not present
        ]
        if lacking:
            unprotected[table] = "row-level security lacks " + ", ".join(lacking)
    assert not unprotected, f"confidential tables the wall does not hold in the database: {unprotected}"


@pytest.mark.django_db
def test_no_sanitized_table_is_under_row_level_security():
    # The dashboards read sanitized tables across walls: a policy there would hide portfolio rows.
    catalog = _catalog()
    walled = sorted(
        model._meta.db_table
        for model in sanitized_models()
        if catalog.get(model._meta.db_table, (False, False, 0))[0]
    )
    assert not walled, f"sanitized tables under row-level security: {walled}"
