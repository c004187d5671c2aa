"""The demo district's issued bulletins (月通报签发): the district's and every street's bulletins of
the two months before last, issued by the district's demo account early in the following month, so
that the 签发情况 list has a history while last month's bulletins are still to issue."""
from __future__ import annotations

import psycopg

ISSUER = "qu@demo.gongzhi.cn"


def load(conn: psycopg.Connection) -> None:
    """Issue the district's and the streets' bulletins of the two months before last."""
    conn.execute("""
        insert into public.bulletin_issue (org_unit_id, period, created_by, created_at)
        select o.id, m.period, (select id from auth.users where email = %(issuer)s),
               (m.period + interval '1 month 2 days 9 hours')::timestamp at time zone 'Asia/Shanghai'
        from public.org_unit o,
             (select (date_trunc('month', (now() at time zone 'Asia/Shanghai')::date) - make_interval(months => k))::date
                     as period from generate_series(2, 3) k) m
        where o.kind in ('district', 'street')""", {"issuer": ISSUER})
