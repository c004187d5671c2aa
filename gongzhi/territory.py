"""Territory codes (`terr`): the one Python statement of their arithmetic.

Every territorial row carries the code of its unit: street, community and grid digits appended
(street × 100000 + community × 1000 + grid; the district is 0), so a unit's territory is the one
range `terr .. hi(terr, kind)`. The database says the same in `private.terr_span`,
`private.terr_step`, `private.terr_unit`, `private.terr_serving` and `private.terr_level`
(supabase/migrations/20261205000300_one_home_per_rule.sql); tests/db/test_territory.py checks
that both agree on every org unit. Queries built in Python take their expressions from the `sql_`
functions here, so no module restates a digit.
"""
from __future__ import annotations

LEVELS = ("district", "street", "community", "grid")
# The place of a unit's own digits in the code: a street is the n-th of its district × 100000 …
STEP = {"street": 100_000, "community": 1_000, "grid": 1}
# How far a unit's territory reaches above its own code (a building shares its grid's code).
SPAN = {"district": 9_999_999, "street": 99_999, "community": 999, "grid": 0, "building": 0}
# How many units one parent holds (the digits its children have).
SLOTS = {"street": 99, "community": 99, "grid": 999}


def hi(terr: int, kind: str) -> int:
    """The last code of the territory of a unit of `kind` at `terr`."""
    return terr + SPAN[kind]


def unit(terr: int, kind: str) -> int:
    """The code of the unit of `kind` (district, street, community, grid) that `terr` lies in."""
    if kind == "district":
        return 0
    width = SPAN[kind] + 1
    return terr // width * width


def serving(terr: int) -> list[int]:
    """The codes of the units a row at `terr` lies in, widest first: district, street, community,
    and `terr` itself. A resource serves a demand when it sits at one of them."""
    return [unit(terr, "district"), unit(terr, "street"), unit(terr, "community"), terr]


def above(terr: int) -> list[int]:
    """The codes of the district, street and community above a row at `terr`."""
    return serving(terr)[:3]


def level(terr: int) -> str:
    """The widest level whose unit has the code `terr` (a street's code is also its district's range)."""
    for kind in LEVELS:
        if unit(terr, kind) == terr:
            return kind
    return "grid"


# ---------------------------------------------------------------- the same, as SQL over a column
def sql_unit(column: str, kind: str) -> str:
    """SQL: `unit()` of the code in `column`."""
    if kind == "district":
        return "0::bigint"
    width = SPAN[kind] + 1
    return column if width == 1 else f"({column} / {width} * {width})"


def sql_serving(column: str) -> str:
    """SQL: `serving()` of the code in `column`, as bigint[]."""
    return (f"array[{sql_unit(column, 'district')}, {sql_unit(column, 'street')}, "
            f"{sql_unit(column, 'community')}, {column}]::bigint[]")


def sql_by_level(column: str, values: dict[str, str]) -> str:
    """SQL: a case over `level()` of the code in `column`, `values` naming an expression per level."""
    whens = " ".join(f"when {sql_unit(column, k)} = {column} then {values[k]}" for k in LEVELS[:-1])
    return f"case {whens} else {values['grid']} end"
