"""kam/lib/pgcopy.py: what it encodes is what PostgreSQL reads back, NULLs and empty arrays included."""

import datetime
import io

import numpy as np
import pytest
from django.db import connection

from kam.lib.pgcopy import EMPTY, BinaryRows

pytestmark = pytest.mark.django_db

TABLE = """
CREATE TEMP TABLE pgcopy_check (
    id bigint, day date, x float8, flag boolean, word text, at timestamptz, xs float8[]
) ON COMMIT DROP
"""
DAY = datetime.date(2026, 3, 1)
AT = datetime.datetime(2026, 3, 1, 2, 30, 15, 123456, tzinfo=datetime.UTC)


def _copy_back(data: bytes) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(TABLE)
        cursor.copy_expert("COPY pgcopy_check FROM STDIN (FORMAT binary)", io.BytesIO(data))
        cursor.execute("SELECT id, day, x, flag, word, at, xs FROM pgcopy_check ORDER BY id")
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE pgcopy_check")
    return rows


def _rows(ids, xs, flags, codes, arrays, empty) -> bytes:
    rows = BinaryRows(len(ids), 7)
    rows.int8(np.asarray(ids, np.int64))
    rows.constant_date(DAY)
    rows.float8(np.asarray(xs, np.float64))
    rows.boolean(np.asarray(flags, bool))
    rows.text(np.asarray(codes), ["green", "amber", "insufficient", "ünïcode"])
    rows.constant_timestamptz(AT)
    rows.float8_array(np.asarray(arrays, np.float64), empty=np.asarray(empty, bool))
    return rows.getvalue()


def test_every_type_reads_back_exactly_with_nan_as_null():
    third = 1 / 3
    data = _rows(
        ids=[1, 2, 2**40],
        xs=[third, np.nan, -0.0],
        flags=[True, False, True],
        codes=[0, 3, 2],
        arrays=[[1.5, np.nan, third], [np.nan, np.nan, np.nan], [0, 0, 0]],
        empty=[False, False, True],
    )
    assert _copy_back(data) == [
        (1, DAY, third, True, "green", AT, [1.5, None, third]),
        (2, DAY, None, False, "ünïcode", AT, [None, None, None]),
        (2**40, DAY, -0.0, True, "insufficient", AT, []),
    ]


def test_no_rows_is_a_valid_empty_copy():
    assert _rows([], [], [], [], np.empty((0, 3)), []) == EMPTY
    assert _copy_back(EMPTY) == []


def test_a_row_with_too_few_fields_is_refused_before_postgresql_sees_it():
    rows = BinaryRows(2, 3)
    rows.int8(np.array([1, 2]))
    rows.float8(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="2 fields added to rows of 3"):
        rows.getvalue()
