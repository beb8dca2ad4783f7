"""CSV cells a spreadsheet would run as formulas, guarded on export and unguarded on import."""

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def csv_safe(value):
    """`value` for a CSV cell: formula-like text gets a leading apostrophe; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.match(value):
        return "'" + value
    return value


def csv_unguard(text: str) -> str:
    """The text as it was before `csv_safe` guarded it."""
    return text[1:] if text[:1] == "'" and text[1:2] in FORMULA_START else text
