"""Item 4 of the hardening issue: the public sign-up's flood control cannot be dodged by what a
client writes, and no flood locks out the whole district."""
import json

import pytest
from psycopg import errors

from gongzhi.sender import client_address, trusted_proxies
from tests.conftest import act_as_owner, unit_id
from tests.personal import act_as_public, columns, sealed, values


def _apply(conn, community, phone, fingerprint=None, headers=None):
    act_as_public(conn)
    if headers is not None:
        conn.execute("select set_config('request.headers', %s, true)", (json.dumps(headers),))
    with conn.transaction():
        conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()}, fingerprint, notice_version)"
                     f" values ('volunteer', %(c)s, '李梅', {values()}, %(fp)s, 'application_v1')",
                     {"c": community, **sealed(phone), "fp": fingerprint})


def _refused(conn, key, *args, **kwargs):
    with pytest.raises(errors.RaiseException) as refused:
        _apply(conn, *args, **kwargs)
    assert refused.value.diag.message_primary == f"gongzhi:{key}"


def test_a_new_fingerprint_per_request_does_not_reset_the_limit(conn):
    community = unit_id(conn, "丽水社区")
    for i in range(3):
        _apply(conn, community, f"1370000{i:04d}", fingerprint=f"forged-{i}")
    _refused(conn, "application.too_many", community, "13700009999", fingerprint="forged-9")


def test_a_forged_forwarded_for_does_not_reset_the_limit(conn):
    """The platform's proxy appends the address it saw; what the client put before it is ignored."""
    community = unit_id(conn, "丽水社区")
    for i in range(3):
        _apply(conn, community, f"1370000{i:04d}", headers={"x-forwarded-for": f"10.0.0.{i}, 203.0.113.7"})
    _refused(conn, "application.too_many", community, "13700009999",
             headers={"x-forwarded-for": "10.0.0.99, 203.0.113.7"})
    _apply(conn, community, "13700008888", headers={"x-forwarded-for": "10.0.0.99, 203.0.113.8"})


def test_the_address_the_portal_saw_decides(conn):
    community = unit_id(conn, "丽水社区")
    act_as_public(conn)
    for i in range(3):
        conn.execute("select set_config('gongzhi.client_ip', '198.51.100.4', true)")
        _apply(conn, community, f"1370000{i:04d}", fingerprint=f"x{i}", headers={"x-forwarded-for": f"10.1.1.{i}"})
    _refused(conn, "application.too_many", community, "13700009999", headers={"x-forwarded-for": "10.9.9.9"})


def test_one_phone_cannot_apply_all_day(conn):
    community = unit_id(conn, "丽水社区")
    for i in range(3):
        _apply(conn, community, "13700005555", headers={"x-forwarded-for": f"203.0.113.{i}"})
    _refused(conn, "application.phone_too_many", community, "13700005555",
             headers={"x-forwarded-for": "203.0.113.50"})


def test_a_flood_at_one_community_leaves_the_rest_of_the_district_open(conn):
    """Hundreds of applications from many addresses within the hour: the flooded community is
    refused with an honest message, a resident of another community still gets through."""
    act_as_owner(conn)
    flooded = unit_id(conn, "丽水社区")
    other = conn.execute("select id from public.org_unit where kind = 'community' and id <> %s limit 1",
                         (flooded,)).fetchone()["id"]
    with conn.cursor() as cur:
        cur.executemany(f"insert into public.application (kind, org_unit_id, name, {columns()}, fingerprint)"
                        f" values ('volunteer', %(c)s, %(name)s, {values()}, %(fp)s)",
                        [{"c": flooded, "name": f"刷单{i}", **sealed(f"1390000{i:04d}"), "fp": f"bot-{i}"}
                         for i in range(1, 321)])
    _refused(conn, "application.community_busy", flooded, "13600001111",
             headers={"x-forwarded-for": "203.0.113.77"})
    _apply(conn, other, "13600002222", headers={"x-forwarded-for": "203.0.113.78"})


def test_formula_text_from_the_public_is_refused(conn):
    community = unit_id(conn, "丽水社区")
    act_as_public(conn)
    with pytest.raises(errors.CheckViolation) as refused, conn.transaction():
        conn.execute(f"insert into public.application (kind, org_unit_id, name, {columns()})"
                     f" values ('volunteer', %(c)s, '=HYPERLINK(\"http://evil.example\",\"点击\")', {values()})",
                     {"c": community, **sealed("13700004444")})
    assert refused.value.diag.message_primary == "gongzhi:field.error.formula"


@pytest.mark.parametrize("peer,forwarded,trusted,expected", [
    ("203.0.113.5", "1.2.3.4", "", "203.0.113.5"),                      # no proxy trusted: the peer
    ("10.0.0.2", "1.2.3.4, 198.51.100.9", "10.0.0.0/8", "198.51.100.9"),  # the proxy's own entry
    ("10.0.0.2", "1.2.3.4, 10.0.0.3, 198.51.100.9", "10.0.0.0/8", "198.51.100.9"),
    ("10.0.0.2", "1.2.3.4, 198.51.100.9, 10.0.0.3", "10.0.0.0/8", "198.51.100.9"),
    ("10.0.0.2", None, "10.0.0.0/8", "10.0.0.2"),
    (None, "1.2.3.4", "", "unknown"),
])
def test_the_client_address_believes_only_trusted_proxies(peer, forwarded, trusted, expected):
    assert client_address(peer, forwarded, trusted_proxies(trusted)) == expected
