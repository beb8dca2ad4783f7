"""Which data is confidential, written once: every model that reaches an account, classified.

Sanitized = may be shown across walls (portfolio metrics); confidential = only through compliance/access.py.

- CONFIDENTIAL: behind the Chinese wall. Read only through the gateway (compliance/access.py), and
  its table is under PostgreSQL row-level security, enabled, forced and with a policy
  (compliance/migrations/0003_row_level_security.py), so a query that forgets the gateway's filter
  returns nothing.
- SANITIZED: holds no confidential content, so its table stays outside row-level security. Wall
  records (teams, competitor graph, memos, crossings, exceptions, read history, the access log) are
  sanitized too: they carry no customer content, the wall itself reads them across accounts, and
  who may see them is a matter of role (the compliance console), not of the wall.

Each entry names its model as "app_label.ModelName" (Django's auto-created many-to-many tables
included, e.g. "relationships.Interaction_our_participants") and gives the lookup path from it to
the account it concerns: `Model.objects.filter(**{path: account})`, e.g. "interaction__account".
Models are resolved through `django.apps.apps` when asked, so this module imports no app's models.

The API:

- `classification_of(model)`: its `DataClass`; raises `Unclassified` for a model not listed.
- `account_paths(model)`: its lookup paths to an account (two for a competitor link; none for the
  access log, which keeps account ids as plain numbers so it outlives the account).
- `confidential_models()`, `sanitized_models()`: the installed model classes of each class.
- `CLASSIFICATION`: every entry by label, with the one-line reason for its class.

compliance/tests/test_classification.py holds the code and the database to it: every installed
model that reaches `accounts.Account` by foreign keys is listed here, every path leads to an
account, and every confidential table is under row-level security (read from PostgreSQL's catalog).
"""

import dataclasses
import enum

from django.apps import apps
from django.db import models


class DataClass(enum.StrEnum):
    CONFIDENTIAL = "confidential"
    SANITIZED = "sanitized"


class Unclassified(LookupError):
    """A model that is not in the classification."""


@dataclasses.dataclass(frozen=True)
class Classification:
    label: str
    data_class: DataClass
    paths: tuple[str, ...]
    why: str


CONFIDENTIAL, SANITIZED = DataClass.CONFIDENTIAL, DataClass.SANITIZED

_ENTRIES = (
    # accounts
    Classification(
        "accounts.Account", SANITIZED, ("pk",), "name, segment, tier, owner: the portfolio's own rows"
    ),
    Classification(
        "accounts.AccountContext", CONFIDENTIAL, ("account",), "the customer's competitors and strategy"
    ),
    Classification(
        "accounts.BusinessForce",
        CONFIDENTIAL,
        ("account",),
        "forces in the customer's business, as we read them",
    ),
    Classification(
        "accounts.Stakeholder", CONFIDENTIAL, ("account",), "the customer's people and the relationship map"
    ),
    Classification(
        "accounts.AccountTeamMember",
        SANITIZED,
        ("account",),
        "wall record: who is an insider; the row-level security policy reads it, so it cannot sit behind it",
    ),
    Classification(
        "accounts.CompetitorLink",
        SANITIZED,
        ("account_a", "account_b"),
        "wall record: the competitor graph compliance officers keep and the gateway reads for every account",
    ),
    # relationships: interactions
    Classification(
        "relationships.Interaction",
        CONFIDENTIAL,
        ("account",),
        "what was said with the customer, and by whom",
    ),
    Classification(
        "relationships.Interaction_our_participants",
        CONFIDENTIAL,
        ("interaction__account",),
        "who of ours took part in a confidential interaction",
    ),
    Classification(
        "relationships.Interaction_their_participants",
        CONFIDENTIAL,
        ("interaction__account",),
        "which of the customer's people took part in a confidential interaction",
    ),
    Classification(
        "relationships.FollowUpAction",
        CONFIDENTIAL,
        ("interaction__account",),
        "what we promised the customer after an interaction",
    ),
    Classification(
        "relationships.InteractionMonthlyMix",
        CONFIDENTIAL,
        ("account",),
        "interaction counts by category and month: derived from interactions, names one account",
    ),
    # relationships: plans
    Classification("relationships.AccountPlan", CONFIDENTIAL, ("account",), "the account plan"),
    Classification(
        "relationships.PlanObjective", CONFIDENTIAL, ("plan__account",), "part of the account plan"
    ),
    Classification("relationships.PlanAction", CONFIDENTIAL, ("plan__account",), "part of the account plan"),
    Classification("relationships.SwotItem", CONFIDENTIAL, ("plan__account",), "part of the account plan"),
    Classification(
        "relationships.WhitespaceCell", CONFIDENTIAL, ("plan__account",), "part of the account plan"
    ),
    Classification(
        "relationships.JointInitiative", CONFIDENTIAL, ("plan__account",), "part of the account plan"
    ),
    Classification("relationships.Investment", CONFIDENTIAL, ("plan__account",), "part of the account plan"),
    # relationships: revenue and scoring
    Classification(
        "relationships.MonthlyRevenue", CONFIDENTIAL, ("account",), "what the account bought, and our margin"
    ),
    Classification(
        "relationships.AccountScore",
        SANITIZED,
        ("account",),
        "the nightly snapshot of health, band, trend and CLV: portfolio metrics",
    ),
    Classification(
        "relationships.AccountScoreDetail",
        CONFIDENTIAL,
        ("account",),
        "why a score is what it is: annual margin, measure scores and contributions (margin detail)",
    ),
    Classification(
        "relationships.ScoreAlert",
        SANITIZED,
        ("account",),
        "tells the owner the band dropped or the account is in trouble: fields of the sanitized snapshot",
    ),
    # compliance: the wall's own records
    Classification(
        "compliance.ReadHistory",
        SANITIZED,
        ("account",),
        "wall record: who read which account when; the cooling-off rule reads it across accounts",
    ),
    Classification(
        "compliance.WallMemo",
        SANITIZED,
        ("account",),
        "wall record: compliance's memo, read before first access, so it cannot sit behind the wall it opens",
    ),
    Classification(
        "compliance.WallAcknowledgement",
        SANITIZED,
        ("account",),
        "wall record: who acknowledged which memo when, audited by compliance officers",
    ),
    Classification(
        "compliance.WallCrossing",
        SANITIZED,
        ("account",),
        "wall record: access compliance officers decide on; the row-level security policy reads it",
    ),
    Classification(
        "compliance.WallException",
        SANITIZED,
        ("account",),
        "wall record: exceptions compliance officers grant; the gateway reads them to lift a conflict",
    ),
    Classification(
        "compliance.AccessLogEntry",
        SANITIZED,
        (),
        "wall record: ids and paths, never confidential values, audited by compliance officers",
    ),
)

CLASSIFICATION: dict[str, Classification] = {entry.label: entry for entry in _ENTRIES}


def _entry(model: type[models.Model] | str) -> Classification:
    # A proxy shares its concrete model's table, so it shares its class.
    label = model if isinstance(model, str) else model._meta.concrete_model._meta.label
    try:
        return CLASSIFICATION[label]
    except KeyError:
        raise Unclassified(f"{label} is not in compliance/classification.py") from None


def classification_of(model: type[models.Model] | str) -> DataClass:
    """CONFIDENTIAL or SANITIZED; `Unclassified` for a model not listed."""
    return _entry(model).data_class


def account_paths(model: type[models.Model] | str) -> tuple[str, ...]:
    """The lookups from `model` to the account(s) a row concerns, e.g. ("plan__account",)."""
    return _entry(model).paths


def _models_of(data_class: DataClass) -> list[type[models.Model]]:
    return [apps.get_model(entry.label) for entry in _ENTRIES if entry.data_class == data_class]


def confidential_models() -> list[type[models.Model]]:
    """Every confidential model (its table under row-level security), in the order listed here."""
    return _models_of(CONFIDENTIAL)


def sanitized_models() -> list[type[models.Model]]:
    """Every sanitized model, in the order listed here."""
    return _models_of(SANITIZED)
