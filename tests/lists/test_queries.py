"""List reads: territory, filters, keyword search, counts, export, and personal data masked by the
database for every client."""
import datetime as dt
import pytest
from psycopg import errors

from gongzhi.db import as_user, owner
from gongzhi.errors import DomainError
from gongzhi.lists import queries
from gongzhi.lists.queries import ListFilters
from gongzhi.personal import crypto


def _owner(sql, *params):
    with owner() as conn:
        return conn.execute(sql, params).fetchall()


def test_each_level_sees_its_own_territory_and_the_totals_are_exact(users):
    totals = {role: queries.list_page(u, "demand", ListFilters()).total for role, u in users.items()}
    assert totals["district"] == _owner("select count(*) as n from public.demand")[0]["n"]
    assert totals["district"] > totals["street"] > totals["community"] > totals["grid"] > 0
    assert totals["department"] == 0


def test_filters_combine_and_refuse_crafted_values(users):
    u = users["street"]
    all_rows = queries.list_page(u, "demand", ListFilters()).total
    cancelled = queries.list_page(u, "demand", ListFilters(status="cancelled", urgency=("high", "urgent")))
    assert 0 < cancelled.total < all_rows
    assert {r["status"] for r in cancelled.rows} == {"cancelled"}
    assert {r["urgency"] for r in cancelled.rows} <= {"high", "urgent"}
    for bad in (ListFilters(status="deleted"), ListFilters(urgency="now"), ListFilters(kind="venue"),
                ListFilters(keyword="x" * 101)):
        with pytest.raises(DomainError):
            queries.list_page(u, "demand", bad)
    with pytest.raises(DomainError):
        queries.list_page(u, "demand", ListFilters(), sort="beneficiary_phone")


def test_a_territory_filter_outside_the_users_subtree_shows_nothing(users):
    other_street = _owner("select id from public.org_unit where name = '新华街道'")[0]["id"]
    assert queries.list_page(users["street"], "demand", ListFilters(org_unit_id=other_street)).total == 0
    assert queries.list_page(users["district"], "demand", ListFilters(org_unit_id=other_street)).total > 0
    names = {u["name"] for u in queries.territory_options(users["community"])}
    assert "丽水社区第一网格" in names and "江滩社区" not in names and "长江路街道" not in names


@pytest.mark.parametrize("keyword", ["老人", "漏雨", "维修", "声控灯", "助", "100%"])
def test_keyword_search_returns_what_a_plain_scan_returns(users, keyword):
    found = queries.list_page(users["district"], "demand", ListFilters(keyword=keyword), per_page=500)
    expected = _owner("select id from public.demand where (title || ' ' || description) ilike %s"
                      " order by created_at desc, id desc limit 500", queries.like_pattern(keyword))
    assert found.total == len(_owner("select 1 from public.demand where (title || ' ' || description) ilike %s",
                                     queries.like_pattern(keyword)))
    assert [r["id"] for r in found.rows] == [r["id"] for r in expected]


def test_pages_are_sorted_and_paginated_in_sql(users):
    u = users["community"]
    first = queries.list_page(u, "demand", ListFilters(), page=1, per_page=20, sort="id", descending=False)
    second = queries.list_page(u, "demand", ListFilters(), page=2, per_page=20, sort="id", descending=False)
    ids = [r["id"] for r in first.rows + second.rows]
    assert ids == sorted(ids) and len(set(ids)) == 40
    assert first.pages == -(-first.total // 20)
    last = queries.list_page(u, "demand", ListFilters(), page=10_000, per_page=20)
    assert last.page == first.pages


def test_wide_filters_show_the_planners_estimate(users, monkeypatch):
    monkeypatch.setattr(queries, "EXACT_COUNT_LIMIT", 100)
    with owner() as conn:
        conn.execute("analyze public.demand")
    since_2000 = ListFilters(date_from=dt.date(2000, 1, 1))
    page = queries.list_page(users["district"], "demand", since_2000)
    exact = _owner("select count(*) as n from public.demand")[0]["n"]
    assert page.estimated and 0 < page.total   # the planner's figure, not a count
    assert not queries.list_page(users["grid"], "demand", since_2000).estimated
    # By territory alone the total is the tally's, exact (tests/lists/test_list_totals.py).
    unfiltered = queries.list_page(users["district"], "demand", ListFilters())
    assert (unfiltered.total, unfiltered.estimated) == (exact, False)


def test_phone_is_masked_on_every_page_and_in_full_only_in_exports_of_those_who_may(users):
    """The database cannot unmask (the key lives outside it): every list page shows the masked copy.
    An export decrypts for the owning grid and the district, as the page's unmask rule says."""
    rows = {role: {r["id"]: r for r in queries.list_page(users[role], "demand", ListFilters(), per_page=500).rows}
            for role in ("district", "street", "community", "grid")}
    grid_id = next(i for i, r in rows["grid"].items() if r["beneficiary_phone"])
    raw = _owner("select beneficiary_phone_enc, beneficiary_phone_masked, beneficiary_name from public.demand"
                 " where id = %s", grid_id)[0]
    plain = crypto.decrypt("phone", raw["beneficiary_phone_enc"])
    for role in ("district", "street", "community", "grid"):
        row = rows[role][grid_id]
        assert row["beneficiary_phone"] == raw["beneficiary_phone_masked"] != plain and "****" in row["beneficiary_phone"]
        assert row["beneficiary_phone"][-4:] == plain[-4:]
    for role in ("street", "community"):
        row = rows[role][grid_id]
        assert row["beneficiary_name"][0] == raw["beneficiary_name"][0] and "*" in row["beneficiary_name"]
    exported = {role: {r["id"]: r for r in queries.export_rows(users[role], "demand", ListFilters())}
                for role in ("community", "grid", "district")}
    assert exported["community"][grid_id]["beneficiary_phone"] == raw["beneficiary_phone_masked"]
    assert exported["grid"][grid_id]["beneficiary_phone"] == exported["district"][grid_id]["beneficiary_phone"] == plain


def test_the_database_refuses_raw_personal_data_to_any_client(users):
    """A client with the API key and a street account cannot read the ciphertext column, nor get it
    from the helper function; the owning grid gets it from the helper (for an export)."""
    demand = _owner("select d.id from public.demand d join public.org_unit o on o.id = d.org_unit_id"
                    " where o.name = '丽水社区第一网格' and beneficiary_phone_enc is not null limit 1")[0]["id"]
    for column in ("beneficiary_phone_enc", "beneficiary_phone_bidx", "*"):
        with pytest.raises(errors.InsufficientPrivilege), as_user(users["street"].user_id) as conn:
            conn.execute(f"select {column} from public.demand where id = %s", (demand,)).fetchone()
    with as_user(users["street"].user_id) as conn:
        assert conn.execute("select private.beneficiary_phone_cipher(%s) as p", (demand,)).fetchone()["p"] is None
    with as_user(users["grid"].user_id) as conn:
        assert conn.execute("select private.beneficiary_phone_cipher(%s) as p", (demand,)).fetchone()["p"]


def test_a_page_of_ciphers_answers_the_same_as_one_call_per_demand(users):
    """`beneficiary_phone_ciphers` gives, in one call, exactly the ciphertexts the one-demand helper
    gives each caller: the owning grid and the district get them, a street none."""
    ids = [r["id"] for r in _owner("select id from public.demand order by id limit 200")]
    for role in ("grid", "district", "street", "community"):
        with as_user(users[role].user_id) as conn:
            one_by_one = {i: conn.execute("select private.beneficiary_phone_cipher(%s) as p", (i,)).fetchone()["p"]
                          for i in ids}
            at_once = {r["id"]: r["enc"] for r in conn.execute(
                "select id, enc from private.beneficiary_phone_ciphers(%s)", (ids,))}
        assert at_once == {i: p for i, p in one_by_one.items() if p is not None}
        assert bool(at_once) == (role in ("grid", "district"))


def test_history_holds_no_personal_data_for_anyone(users):
    from gongzhi.lists import commands
    demand = queries.list_page(users["grid"], "demand", ListFilters()).rows[0]["id"]
    commands.update(users["grid"], "demand", demand, {"beneficiary_phone": "13700001111", "urgency": "urgent"})
    for role in ("grid", "street"):
        changes = {k for e in queries.history(users[role], "demand", demand) for k, _, _ in e["changes"]}
        assert "urgency" in changes and not any("phone" in k for k in changes), role


def test_export_streams_every_matching_row_with_display_names(users):
    rows = list(queries.export_rows(users["community"], "demand", ListFilters(status="new")))
    page = queries.list_page(users["community"], "demand", ListFilters(status="new"))
    assert len(rows) == page.total
    assert list(rows[0]) == queries.export_columns("demand")
    assert rows[0]["category_id"] in {c["name"] for c in queries.categories(users["community"])}
    assert isinstance(rows[0]["org_unit_id"], str)
    projects = list(queries.export_rows(users["district"], "project", ListFilters()))
    assert len(projects) == queries.list_page(users["district"], "project", ListFilters()).total


def test_allowed_next_statuses_follow_the_status_machine(users):
    assert queries.allowed_next(users["grid"], "demand", ["new"]) == ["in_progress", "cancelled"]
    assert queries.allowed_next(users["grid"], "demand", ["matched"]) == ["in_progress", "cancelled"], \
        "a matched demand is a new one with a proposal"
    assert queries.allowed_next(users["grid"], "demand", ["new", "in_progress"]) == []
    assert queries.allowed_next(users["grid"], "demand", ["in_progress"]) == ["new", "done"]
    assert queries.allowed_next(users["grid"], "demand", ["cancelled"]) == []


def test_matched_is_a_new_demand_with_a_live_proposal(users, conn):
    district = users["district"]
    stored_new = conn.execute("select count(*) as n from public.demand where status = 'new'").fetchone()["n"]
    proposed = conn.execute("""select count(*) as n from public.demand d where d.status = 'new'
                               and exists (select from public.match m where m.demand_id = d.id
                                           and m.status = 'proposed')""").fetchone()["n"]
    assert 0 < proposed < stored_new, "the demo district has both"
    matched = queries.list_page(district, "demand", ListFilters(status="matched"), per_page=500)
    new = queries.list_page(district, "demand", ListFilters(status="new"))
    both = queries.list_page(district, "demand", ListFilters(status=("new", "matched")))
    assert (matched.total, new.total, both.total) == (proposed, stored_new - proposed, stored_new)
    assert {r["status"] for r in matched.rows} == {"matched"}
    assert {r["status"] for r in new.rows} == {"new"}
