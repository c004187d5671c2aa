"""The public 晒 board (晾晒): `python -m gongzhi publish OUT_DIR` writes the district's results as a
static site without personal data.

A job, run as the database owner in one read-only snapshot: it reads the published units (district,
streets, communities), asks every registered section (`sections.py`) for its aggregates, and writes
the pages, data and charts (`site.py`). What may be published is decided by the sections, which read
aggregates and staff-typed names only; `tests/publish/` scans every file it writes for phones, ID
numbers and residents' names.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from gongzhi.db import connection
from gongzhi.errors import DomainError
from gongzhi.photos.storage import store as photo_store
from gongzhi.publish import site
from gongzhi.publish.sections import PUBLISHED_KINDS, Block, Tree, Unit, all_sections
from gongzhi import clock


@dataclass(frozen=True)
class Published:
    out: Path
    files: int
    pages: int
    sections: tuple[str, ...]
    seconds: float
    as_of: dt.datetime | None = None    # when the data read was current (数据截至)
    from_standby: bool = False          # read from a hot standby rather than the primary


def read_tree(conn) -> Tree:
    rows = conn.execute("""select id, kind, name, code, terr, parent_id from public.org_unit
                           where kind = any (%s) order by terr, id""", (list(PUBLISHED_KINDS),)).fetchall()
    return Tree([Unit(**r) for r in rows])


def compute(conn) -> tuple[Tree, dict[int, dict[str, Block]], tuple[str, ...]]:
    """The tree and every section's blocks, per unit id, in the registry's order."""
    tree = read_tree(conn)
    if not tree.units or not any(u.kind == "district" for u in tree.units):
        raise DomainError("publish.no_district")
    blocks: dict[int, dict[str, Block]] = {}
    done = []
    for section in all_sections():
        if section.requires and conn.execute("select to_regclass(%s) is null as absent",
                                             (f"public.{section.requires}",)).fetchone()["absent"]:
            continue
        for unit_id, block in section.compute(conn, tree).items():
            blocks.setdefault(unit_id, {})[section.key] = block
        done.append(section.key)
    return tree, blocks, tuple(done)


def source_url() -> str:
    """Where the board is read from: the read server (a hot standby) when one is configured, else
    the primary; the job only reads, so it costs the primary nothing when a standby exists."""
    return connection.read_url() or connection.server_url()


def _restartpoint(conn) -> dt.datetime | None:
    """On a standby that has replayed no transaction since it started (so no replay time is known):
    the time of its last restartpoint, which its data is at least as recent as; None if the role may
    not read the control file."""
    try:
        with conn.transaction():
            return conn.execute("select checkpoint_time as t from pg_control_checkpoint()").fetchone()["t"]
    except psycopg.Error:
        return None


def publish(url: str, out: Path, *, now: dt.datetime | None = None, store=None) -> Published:
    """Writes the board of the database at `url` (an owner's URL) into `out`, the photos read from
    `store` (default: the configured photo store)."""
    started = time.perf_counter()
    out = Path(out)
    try:
        site.prepare(out)
    except site.NotOurFolder:
        raise DomainError("publish.folder_not_empty", folder=str(out)) from None
    except OSError as exc:
        raise DomainError("publish.folder_unwritable", folder=str(out), reason=exc.strerror or str(exc)) from None
    with psycopg.connect(url, row_factory=dict_row) as conn:
        conn.execute("set transaction isolation level repeatable read, read only")
        server = conn.execute("select pg_is_in_recovery() as standby, now() as t").fetchone()
        as_of = connection.data_as_of(conn)
        if as_of is None and server["standby"]:
            as_of = _restartpoint(conn)
        generated = now or as_of or server["t"]
        tree, blocks, done = compute(conn)
        conn.rollback()
    if store is None and any(b.galleries for unit_blocks in blocks.values() for b in unit_blocks.values()):
        store = photo_store()
    written = site.write(out, tree, blocks, generated, store)
    return Published(out, len(written), len(tree.units) * len(site.LANGS), done,
                     round(time.perf_counter() - started, 2), generated, server["standby"])


def as_of_line(done: Published, lang: str = "zh") -> str:
    """数据截至 … (Beijing time) and which server the board was read from, for the job's output."""
    from gongzhi import i18n
    at = clock.as_of_text(done.as_of, lang, dated=True)
    return f"{at} · {i18n.t('publish.source.standby' if done.from_standby else 'publish.source.primary', lang)}"
