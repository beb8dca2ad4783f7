"""PostgreSQL's binary COPY format, built a column at a time with numpy, never a value at a time.

`BinaryRows(rows, fields)` is filled one field (column) at a time, in the table's column order, and
`getvalue()` gives the bytes for `COPY table (columns) FROM STDIN (FORMAT binary)`. Each field is a
byte matrix (rows × its longest encoding) and the number of its bytes each row uses (a NULL uses only
its length word); the body is every row's used bytes, in order, picked out of the side-by-side
matrices with one boolean mask. No number is formatted as text or parsed back: float8 values arrive
exactly as they were computed. NaN is written as NULL (a field, or an array element).

The format: https://www.postgresql.org/docs/current/sql-copy.html ("Binary Format"); each value is
its type's send function's output (int8, float8, bool, text, date, timestamptz, float8[]).
"""

import datetime

import numpy as np

PG_EPOCH = datetime.date(2000, 1, 1)
PG_EPOCH_UTC = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
FLOAT8_OID = 701
HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
TRAILER = b"\xff\xff"
EMPTY = HEADER + TRAILER  # no rows

_FIELD_INT8 = np.dtype([("len", ">i4"), ("value", ">i8")])
_FIELD_FLOAT8 = np.dtype([("len", ">i4"), ("value", ">f8")])
_FIELD_BOOL = np.dtype([("len", ">i4"), ("value", "?")])
_FIELD_DATE = np.dtype([("len", ">i4"), ("value", ">i4")])
_ARRAY_HEADER = np.dtype(
    [("len", ">i4"), ("ndim", ">i4"), ("flags", ">i4"), ("oid", ">i4"), ("size", ">i4"), ("lower", ">i4")]
)


class BinaryRows:
    """`rows` tuples of `fields` fields, added a field at a time in column order."""

    def __init__(self, rows: int, fields: int):
        self.rows = rows
        self.fields = fields
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._added = 0
        self._fixed(np.array(fields, ">i2"), count=False)  # each tuple starts with its field count

    def _add(self, array: np.ndarray, used, *, count: bool = True) -> None:
        self._added += count
        if self.rows:
            matrix = np.ascontiguousarray(array).view(np.uint8).reshape(self.rows, -1)
            self.parts.append((matrix, np.broadcast_to(np.asarray(used, np.int64), (self.rows,))))

    def _fixed(self, value: np.ndarray, *, count: bool = True) -> None:
        self._add(np.broadcast_to(value, (self.rows,)), value.itemsize, count=count)

    def int8(self, values: np.ndarray) -> None:
        """bigint, never NULL."""
        field = np.empty(self.rows, _FIELD_INT8)
        field["len"], field["value"] = 8, values
        self._add(field, 12)

    def float8(self, values: np.ndarray) -> None:
        """double precision; NaN is NULL."""
        null = np.isnan(values)
        field = np.empty(self.rows, _FIELD_FLOAT8)
        field["len"], field["value"] = np.where(null, -1, 8), values
        self._add(field, np.where(null, 4, 12))

    def boolean(self, values: np.ndarray) -> None:
        """boolean, never NULL."""
        field = np.empty(self.rows, _FIELD_BOOL)
        field["len"], field["value"] = 1, values
        self._add(field, 5)

    def text(self, codes: np.ndarray, vocabulary) -> None:
        """Text from a small vocabulary, by each row's index into it (never NULL)."""
        words = [str(w).encode() for w in vocabulary]
        width = max(len(w) for w in words)
        table = np.zeros(len(words), [("len", ">i4"), ("value", f"S{width}")])
        table["len"], table["value"] = [len(w) for w in words], words
        codes = np.asarray(codes, np.int64)
        self._add(table[codes], 4 + table["len"].astype(np.int64)[codes])

    def constant_date(self, day: datetime.date) -> None:
        """The same date in every row."""
        self._fixed(np.array((4, (day - PG_EPOCH).days), _FIELD_DATE))

    def constant_timestamptz(self, moment: datetime.datetime) -> None:
        """The same aware timestamp in every row."""
        delta = moment - PG_EPOCH_UTC
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        self._fixed(np.array((8, micros), _FIELD_INT8))

    def float8_array(self, values: np.ndarray, empty: np.ndarray | None = None) -> None:
        """One float8[] per row (a row of the 2-D `values`, NaN elements NULL); `empty` rows are '{}'."""
        null = np.isnan(values)
        empty = np.zeros(self.rows, bool) if empty is None else np.asarray(empty, bool)
        element_bytes = np.where(null, 4, 12)
        element_bytes[empty] = 0
        header = np.empty(self.rows, _ARRAY_HEADER)
        header["ndim"], header["flags"], header["oid"] = 1, null.any(axis=1), FLOAT8_OID
        header["size"], header["lower"] = values.shape[1], 1
        header["len"] = 20 + element_bytes.sum(axis=1)
        header["ndim"][empty], header["flags"][empty], header["len"][empty] = 0, 0, 12
        self._add(header, np.where(empty, 16, 24))
        elements = np.empty(values.shape, _FIELD_FLOAT8)
        elements["len"], elements["value"] = np.where(null, -1, 8), values
        for j in range(values.shape[1]):
            self._add(elements[:, j], element_bytes[:, j], count=False)

    def getvalue(self) -> bytes:
        if self._added != self.fields:
            raise ValueError(f"{self._added} fields added to rows of {self.fields}")
        if not self.rows:
            return EMPTY
        width = sum(m.shape[1] for m, _used in self.parts)
        matrix = np.empty((self.rows, width), np.uint8)
        mask = np.ones((self.rows, width), bool)  # written only where some row uses less than all
        at = 0
        for part, used in self.parts:
            end = at + part.shape[1]
            matrix[:, at:end] = part
            if used.min() < part.shape[1]:
                np.less(np.arange(part.shape[1]), used[:, None], out=mask[:, at:end])
            at = end
        return HEADER + matrix[mask].tobytes() + TRAILER
