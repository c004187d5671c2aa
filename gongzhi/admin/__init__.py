"""三权分立 (separation of duties): the three administrator capabilities and what each does.

`public.admin_grant` gives an account at most one of `system` (系统管理员: accounts, org tree,
settings, dormant accounts), `security` (安全管理员: security settings, who may unmask personal data)
and `audit` (审计管理员: reads and exports the security log and the row audit). The database enforces
it (migration `20261205000900_separation_of_duties.sql`); this package is the Python side:

- `grants`: giving and taking a capability — the deployer's act, from the command line, logged;
- `dormant`: accounts without a sign-in for `accounts.dormant_days`, disabled in one step;
- `unmask`: the security administrator's list of staff who may unmask personal data;
- `audit`: the audit administrator's searches and exports of the security log and the row audit;
- `summary(conn)`: counts for the compliance report (访问控制).
"""
from gongzhi.admin.grants import CAPABILITIES, grant, holders, revoke, summary

__all__ = ["CAPABILITIES", "grant", "holders", "revoke", "summary"]
