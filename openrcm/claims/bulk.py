"""Filtering by long lists of ids, for the bulk claim services.

A batch names thousands of claims. ``pk__in=[...]`` sends one placeholder per id, and
with PostgreSQL that costs more in turning the query into SQL (Django resolves every
value, psycopg splits the query at every placeholder) than the database spends on it.
On PostgreSQL these helpers send the ids as one array parameter instead
(``id IN (SELECT unnest(%s::bigint[]))``); elsewhere they fall back to ``IN (...)``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Q
from django.db.models.expressions import RawSQL


def _array_capable(database: str) -> bool:
    return connections[database].vendor == "postgresql"


def _array_literal(ids: Iterable[int]) -> str:
    """``{1,2,3}``: PostgreSQL parses it faster than psycopg adapts a list of ints."""
    return "{" + ",".join(str(int(i)) for i in ids) + "}"


def ids_q(lookup: str, ids: Iterable[int], *, database: str = "default") -> Q:
    """``Q(<lookup>__in=ids)``, with the ids as one array parameter on PostgreSQL."""
    if _array_capable(database):
        array = _array_literal(ids)
        return Q(**{f"{lookup}__in": RawSQL("SELECT unnest(%s::bigint[])", (array,))})
    return Q(**{f"{lookup}__in": list(ids)})


def ids_sql(
    column: str, ids: Collection[int], *, database: str = "default"
) -> tuple[str, list[Any]]:
    """A raw-SQL condition ``<column> IN ids`` and its parameters (``column`` quoted by
    the caller)."""
    if _array_capable(database):
        return f"{column} = ANY(%s::bigint[])", [_array_literal(ids)]
    values = list(ids)
    return f"{column} IN ({', '.join(['%s'] * len(values))})", values


def column_of(model: type[models.Model], name: str) -> str:
    """The quoted-ready column name of a concrete field (``"claim"`` -> ``claim_id``)."""
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return found.column


# Fields whose Python values (str, int, None) go to the database as they are.
_PLAIN_FIELDS = frozenset(
    {
        models.CharField,
        models.TextField,
        models.IntegerField,
        models.SmallIntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.ForeignKey,
    }
)


def rows_insert(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert plain rows (one value per field of ``fields``, in order) without a model
    instance each: on PostgreSQL one ``INSERT ... SELECT * FROM UNNEST(<arrays>)``, else
    one ``executemany``. Values of other than text, integer and foreign-key fields go
    through the field's ``get_db_prep_save``. No signals, no ``auto_now``: give every
    value. Call inside the caller's transaction."""
    if not rows:
        return
    database = router.db_for_write(model)
    connection = connections[database]
    name = connection.ops.quote_name
    meta = model._meta
    found = [meta.get_field(f) for f in fields]
    columns = [f for f in found if isinstance(f, models.Field)]
    if len(columns) != len(found):
        raise TypeError(f"{model.__name__}: {fields} are not all concrete fields")
    preps = [None if type(f) in _PLAIN_FIELDS else f.get_db_prep_save for f in columns]
    values = [
        list(row)
        if not any(preps)
        else [v if p is None else p(v, connection) for v, p in zip(row, preps, strict=True)]
        for row in rows
    ]
    names = ", ".join(name(f.column) for f in columns)
    table = name(meta.db_table)
    with connection.cursor() as cursor:
        if _array_capable(database):
            arrays = ", ".join(f"%s::{f.db_type(connection)}[]" for f in columns)
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays})",  # noqa: S608 - names from the model
                [list(column) for column in zip(*values, strict=True)],
            )
        else:
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",  # noqa: S608 - names from the model
                values,
            )
