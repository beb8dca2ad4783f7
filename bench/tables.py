"""The models' own table and column names for the loaders' SQL.

`sql(template, account=Account)` formats `{account}` as the model's quoted table and
`{account.segment}` as the quoted column of its `segment` field (`segment_id`), both read from
`Model._meta`: a migration renaming a column is followed, and one removing a field fails loudly
(FieldDoesNotExist) instead of loading the wrong column. Literal braces in the SQL are doubled.
"""

from django.db import connection


class Table:
    """A model's table (`{t}`) and its fields' columns (`{t.field}`, `{t.pk}`), quoted for PostgreSQL."""

    def __init__(self, model):
        self._model = model

    def __format__(self, spec: str) -> str:
        return connection.ops.quote_name(self._model._meta.db_table)

    def __str__(self) -> str:
        return format(self)

    def __getattr__(self, name: str) -> str:
        if name.startswith("_"):
            raise AttributeError(name)
        meta = self._model._meta
        return connection.ops.quote_name((meta.pk if name == "pk" else meta.get_field(name)).column)


def sql(template: str, **models) -> str:
    """`template` with each `{name}` / `{name.field}` filled from the model passed as `name`."""
    return template.format(**{name: Table(model) for name, model in models.items()})
