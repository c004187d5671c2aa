"""The report fed back to one unit (双报告): its result and rank, then its members' hours."""
import csv
import io

import psycopg
import pytest
from psycopg.rows import dict_row

from gongzhi.errors import DomainError
from gongzhi.volunteers import assessment, commands
from tests.conftest import unit_id
from tests.pages.conftest import identity_of
from tests.volunteers.makers import new_post, new_service_log, new_unit, new_volunteer

PERIOD = assessment.period_of(__import__("datetime").date.today())


def test_a_unit_gets_its_result_and_its_members_hours(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        community = unit_id(conn, "丽水社区")
        unit = new_unit(conn, community, "滨江供电公司")
        member = new_volunteer(conn, community, "张敏", unit_id=unit)
        post = new_post(conn, community)
        conn.execute("insert into public.signup (post_id, volunteer_id) values (%s, %s)", (post, member))
        new_service_log(conn, community, member, hours=6, verified=True, post=post)
        new_service_log(conn, community, member, hours=9, verified=False)
        conn.commit()
    community_staff = identity_of("shequ@demo.gongzhi.cn")
    commands.compute_assessment(community_staff, PERIOD)
    rows = list(csv.reader(io.StringIO(assessment.unit_report_csv(community_staff, PERIOD, unit).decode("utf-8-sig"))))
    fields = {r[0]: r[1] for r in rows if len(r) == 2}
    assert fields["名称"] == "滨江供电公司" and fields["考核周期"] == PERIOD
    assert float(fields["服务时长（小时）"]) == 6 and fields["社区排名"]
    assert ["张敏", "6.00", "1"] in rows          # only verified hours count


def test_another_communitys_staff_get_no_report(fresh_db):
    with psycopg.connect(fresh_db, row_factory=dict_row) as conn:
        unit = new_unit(conn, unit_id(conn, "丽水社区"), "某单位")
        conn.commit()
    commands.compute_assessment(identity_of("shequ@demo.gongzhi.cn"), PERIOD)
    with pytest.raises(DomainError) as refused:
        assessment.unit_report_csv(identity_of("community-330100001002@demo.gongzhi.cn"), PERIOD, unit)
    assert refused.value.key == "volunteers.assess.no_result"
