-- Restore drills (恢复演练): `python -m gongzhi drill` restores the latest Barman backup into a
-- scratch server, checks it and records the outcome (RTO, RPO, problems) as a `drill` entry of the
-- security log, so an assessor can see that drills were run and what they found.

insert into private.security_log_kind (kind) values ('drill');
