"""Sealed phones for the set-based seeders (the demo district, `seed`, the benchmarks): the
phones are sealed in Python, where the key is, and copied into a temporary table
`<name> (n, enc, bidx, masked)` numbered from 1, which the seeders' SQL joins by number."""
from __future__ import annotations

from gongzhi.personal import crypto


def phone_table(conn, name: str, phones: list[str]) -> int:
    """Create the temporary table `name` (dropped at commit) holding `phones` sealed; returns its size."""
    ring = crypto.ring()
    conn.execute(f"drop table if exists {name}")
    conn.execute(f"create temp table {name} (n int primary key, enc bytea, bidx bytea, masked text) on commit drop")
    with conn.cursor().copy(f"copy {name} (n, enc, bidx, masked) from stdin") as copy:
        for n, phone in enumerate(phones, 1):
            s = crypto.seal("phone", phone, ring)
            copy.write_row((n, s.enc, s.bidx, s.masked))
    conn.execute(f"analyze {name}")
    return len(phones)
