"""`python -m gongzhi compliance`: the 等保 2.0 level-3 application control points (GB/T 22239-2019,
安全计算环境) with this deployment's state and the evidence, for the district's assessor.

Each control point gathers evidence from small functions registered with `@evidence("<point>")`;
a feature that adds a control (a second factor, separated administrator duties, encryption) adds
or sharpens one function here. Every function reads the database as it is on an owner connection
and is tolerant: what is missing (a table, a column) counts as not met, never as an error. A
point is met when all its evidence is; `action` means the deployer must act; `na` not applicable.
The district's own part (network, host, TLS, 密评) is named for every point, since no query can
see it.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Callable

from psycopg.rows import dict_row

from gongzhi import i18n, security_log, security_settings
from gongzhi.auth import local, passwords, sessions
from gongzhi.personal import notices, retention
from gongzhi.personal.inventory import FIELDS, encrypted_fields

POINTS = ("identity", "access", "audit", "intrusion", "integrity", "confidentiality", "backup", "residual",
          "personal")
STATES = ("met", "action", "na")
MARKS = {"met": "✔", "action": "✘", "na": "–"}
BACKUP_MAX_AGE_H = 26      # a nightly backup, with slack
RETENTION_MAX_AGE_D = 8    # a weekly run at least
DORMANT_DAYS = 90


@dataclass(frozen=True)
class Evidence:
    key: str                    # i18n key under compliance.evidence
    state: str                  # met / action / na
    params: dict = field(default_factory=dict)

    def text(self, lang: str) -> str:
        return i18n.t(f"compliance.evidence.{self.key}", lang, **self.params)


@dataclass(frozen=True)
class Point:
    name: str
    evidence: tuple[Evidence, ...]

    @property
    def state(self) -> str:
        states = {e.state for e in self.evidence}
        if "action" in states:
            return "action"
        return "met" if "met" in states else "na"


Check = Callable[["Context"], list[Evidence]]
EVIDENCE: dict[str, list[Check]] = {p: [] for p in POINTS}


def evidence(point: str):
    """Register a function giving evidence for `point`."""
    def register(check: Check) -> Check:
        EVIDENCE[point].append(check)
        return check
    return register


@dataclass
class Context:
    """What the checks share: an owner connection (dict rows), the clock, and answers computed once."""
    conn: object
    now: dt.datetime
    _cache: dict = field(default_factory=dict)

    def one(self, query: str, params=None):
        with self.conn.cursor(row_factory=dict_row) as cur:
            row = cur.execute(query, params).fetchone()
        return None if row is None else next(iter(row.values()))

    def exists(self, name: str) -> bool:
        return self.one("select to_regclass(%s) is not null", (name,))

    def column(self, table: str, column: str) -> bool:
        return bool(self.one("select count(*) from information_schema.columns where table_schema = 'public'"
                             " and table_name = %s and column_name = %s", (table, column)))

    def cached(self, key: str, compute):
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def chain(self) -> security_log.Verdict:
        return self.cached("chain", lambda: security_log.verify(self.conn))

    def retention_due(self) -> int:
        return self.cached("retention_due", lambda: retention.run(self.conn, dry_run=True, now=self.now).total)


def _ok(condition: bool) -> str:
    return "met" if condition else "action"


# ---------------------------------------------------------------- 身份鉴别
@evidence("identity")
def password_policy(ctx: Context) -> list[Evidence]:
    policy = security_settings.current(ctx.conn)
    length = policy["password.min_length"]
    return [Evidence("password_policy", _ok(length >= passwords.DEFAULT_MIN_LENGTH and policy["password.history"] >= 5
                                            and policy["password.expiry_days"] <= 90),
                     {"length": length, "score": passwords.MIN_SCORE, "history": policy["password.history"],
                      "expiry_days": policy["password.expiry_days"]})]


@evidence("identity")
def second_factor(ctx: Context) -> list[Evidence]:
    """Accounts without a confirmed second factor — local accounts' `private.mfa_factor`, hosted
    Supabase Auth's `auth.mfa_factors` — and whether every account the policy requires has one."""
    sources = []
    if ctx.exists("private.mfa_factor"):
        sources.append("exists (select from private.mfa_factor f where f.user_id = s.user_id"
                       " and f.confirmed_at is not null)")
    if ctx.exists("auth.mfa_factors"):
        sources.append("exists (select from auth.mfa_factors f where f.user_id = s.user_id and f.status = 'verified')")
    if not sources:
        return [Evidence("second_factor_missing", "action")]
    has = " or ".join(sources)
    without = ctx.one(f"select count(*) from public.staff s where s.active and not ({has})")
    district = ctx.one(f"select count(*) from public.staff s where s.active and s.role = 'district' and not ({has})")
    settings = _settings(ctx)
    required = without if not settings.get("mfa.optional_for_others", True) else (
        district if settings.get("mfa.required_for_district", False) else without)
    return [Evidence("second_factor", _ok(required == 0), {"n": without, "district": district})]


def _settings(ctx: Context) -> dict:
    try:
        return ctx.cached("settings", lambda: security_settings.current(ctx.conn))
    except Exception:   # no settings table yet: the defaults
        return {k: v.default for k, v in security_settings.DEFAULTS.items()}


@evidence("identity")
def demo_accounts(ctx: Context) -> list[Evidence]:
    n = ctx.one("select count(*) from public.staff s join auth.users u on u.id = s.user_id"
                " where s.active and u.email like %s", ("%@demo.gongzhi.cn",))
    return [Evidence("demo_accounts", _ok(n == 0), {"n": n})]


@evidence("identity")
def sessions_policy(ctx: Context) -> list[Evidence]:
    idle = security_settings.DEFAULTS.get("session.idle_minutes")
    if idle is None:
        return [Evidence("session_no_idle", "action", {"hours": sessions.LIFETIME_HOURS})]
    return [Evidence("session_idle", "met", {"minutes": security_settings.get(ctx.conn, "session.idle_minutes"),
                                             "hours": sessions.LIFETIME_HOURS})]


@evidence("identity")
def database_door(ctx: Context) -> list[Evidence]:
    try:
        with ctx.conn.transaction():
            trust = ctx.one("select count(*) from pg_hba_file_rules where auth_method = 'trust'")
    except Exception:   # not readable here (a hosted database): the provider's door
        return [Evidence("database_door_unknown", "na")]
    return [Evidence("database_door", _ok(trust == 0), {"n": trust})]


# ---------------------------------------------------------------- 访问控制
@evidence("access")
def row_level_security(ctx: Context) -> list[Evidence]:
    off = ctx.one("select count(*) from pg_class c where c.relnamespace = 'public'::regnamespace"
                  " and c.relkind in ('r', 'p') and not c.relrowsecurity")
    tables = ctx.one("select count(*) from pg_class c where c.relnamespace = 'public'::regnamespace"
                     " and c.relkind in ('r', 'p')")
    return [Evidence("rls", _ok(off == 0), {"tables": tables, "off": off})]


@evidence("access")
def separation_of_duties(ctx: Context) -> list[Evidence]:
    """三权分立: the administrator capabilities, once the separation-of-duties work records them."""
    table = next((t for t in ("public.staff_capability", "private.staff_capability", "public.admin_duty")
                  if ctx.exists(t)), None)
    if table is None:
        return [Evidence("duties_missing", "action")]
    holders = ctx.one(f"select count(distinct capability) from {table}")
    return [Evidence("duties", _ok(holders >= 3), {"n": holders})]


@evidence("access")
def dormant_accounts(ctx: Context) -> list[Evidence]:
    n = ctx.one("""select count(*) from public.staff s where s.active and s.created_at < %(since)s
                   and not exists (select from private.security_log l where l.kind = 'sign_in'
                                   and l.actor = s.user_id and l.at >= %(since)s)""",
                {"since": ctx.now - dt.timedelta(days=DORMANT_DAYS)})
    return [Evidence("dormant", _ok(n == 0), {"n": n, "days": DORMANT_DAYS})]


@evidence("access")
def portal_role(ctx: Context) -> list[Evidence]:
    row = ctx.one("select rolsuper from pg_roles where rolname = 'gongzhi_portal'")
    return [Evidence("portal_role", _ok(row is False))]


# ---------------------------------------------------------------- 安全审计
@evidence("audit")
def audit_chain(ctx: Context) -> list[Evidence]:
    verdict = ctx.chain()
    if not verdict.ok:
        return [Evidence("chain_broken", "action", {"id": verdict.broken_id, "reason": verdict.reason})]
    return [Evidence("chain", "met", {"n": verdict.entries, "first": verdict.first_id or 0})]


@evidence("audit")
def audit_kept(ctx: Context) -> list[Evidence]:
    oldest = ctx.one("select min(at) from private.security_log")
    days = 0 if oldest is None else (ctx.now - oldest).days
    return [Evidence("log_kept", "met", {"days": days, "min": security_log.MIN_RETENTION_DAYS})]


# ---------------------------------------------------------------- 入侵防范
@evidence("intrusion")
def lockout(ctx: Context) -> list[Evidence]:
    return [Evidence("lockout", "met", {"n": local.MAX_FAILURES, "minutes": local.LOCK_MINUTES,
                                        "client": local.CLIENT_MAX_FAILURES})]


@evidence("intrusion")
def public_flood(ctx: Context) -> list[Evidence]:
    guarded = ctx.one("select count(*) from pg_trigger where tgname = 'application_check'")
    return [Evidence("flood", _ok(guarded == 1))]


# ---------------------------------------------------------------- 数据完整性
@evidence("integrity")
def integrity_chain(ctx: Context) -> list[Evidence]:
    return [Evidence("integrity_log", _ok(ctx.chain().ok))]


@evidence("integrity")
def unvalidated_checks(ctx: Context) -> list[Evidence]:
    n = ctx.one("select count(*) from pg_constraint c join pg_class t on t.oid = c.conrelid"
                " where t.relnamespace = 'public'::regnamespace and not c.convalidated")
    return [Evidence("not_valid", _ok(n == 0), {"n": n})]


# ---------------------------------------------------------------- 数据保密性
@evidence("confidentiality")
def encryption_at_rest(ctx: Context) -> list[Evidence]:
    """Personal data at rest as the encryption itself judges it: the plain values still waiting in
    private.plaintext_pending, a plain-text column of the inventory still there, and
    `python -m gongzhi doctor`'s check (no phone-like text in any table, the data keys present and
    opening the rows)."""
    from gongzhi import doctor
    from gongzhi.personal import pending
    left = pending.count(ctx.conn) + sum(
        ctx.one(f'select count(*) from public."{f.table}" where "{f.column}" is not null')
        for f in encrypted_fields() if ctx.column(f.table, f.column))
    out = [Evidence("plaintext", _ok(left == 0), {"n": left})]
    finding = doctor.check_plaintext(ctx.conn)
    if finding.ok:
        out.append(Evidence("encryption", "met", {"n": len(encrypted_fields())}))
    elif finding.key != "doctor.plaintext.pending":   # counted above
        out.append(Evidence("encryption_" + finding.key.rsplit(".", 1)[-1], "action", finding.params))
    return out


# ---------------------------------------------------------------- 数据备份恢复
@evidence("backup")
def last_backup(ctx: Context) -> list[Evidence]:
    from gongzhi import backup
    folder = backup.backup_dir()
    found = sorted(folder.glob(f"{backup.PREFIX}*{backup.SUFFIX}")) if folder.is_dir() else []
    if not found:
        return [Evidence("backup_none", "action", {"folder": str(folder)})]
    newest = max(found, key=lambda p: p.stat().st_mtime)
    age_h = (ctx.now.timestamp() - newest.stat().st_mtime) / 3600
    return [Evidence("backup_age", _ok(age_h <= BACKUP_MAX_AGE_H),
                     {"hours": round(age_h, 1), "max": BACKUP_MAX_AGE_H, "n": len(found)})]


# ---------------------------------------------------------------- 剩余信息保护
@evidence("residual")
def retention_run(ctx: Context) -> list[Evidence]:
    last = retention.last_run(ctx.conn)
    if last is None:
        return [Evidence("retention_never", "action")]
    days = (ctx.now - last).days
    return [Evidence("retention_last", _ok(days <= RETENTION_MAX_AGE_D), {"days": days, "max": RETENTION_MAX_AGE_D})]


@evidence("residual")
def retention_due(ctx: Context) -> list[Evidence]:
    from gongzhi.personal import KeysError
    try:
        n = ctx.retention_due()
    except KeysError as exc:   # a required phone's erasure marker is sealed: the job needs the data keys
        return [Evidence("encryption_keys", "action", {"detail": str(exc)})]
    return [Evidence("retention_due", _ok(n == 0), {"n": n})]


@evidence("residual")
def sessions_cleared(ctx: Context) -> list[Evidence]:
    return [Evidence("sessions", "met", {"hours": sessions.LIFETIME_HOURS})]


# ---------------------------------------------------------------- 个人信息保护
@evidence("personal")
def inventory_in_database(ctx: Context) -> list[Evidence]:
    missing = [f"{f.table}.{f.column}" for f in FIELDS
               if not (ctx.column(f.table, f.column) or ctx.column(f.table, f"{f.column}_enc"))]
    if missing:
        return [Evidence("inventory_missing", "action", {"fields": ", ".join(missing)})]
    return [Evidence("inventory", "met", {"n": len(FIELDS)})]


@evidence("personal")
def notices_shown(ctx: Context) -> list[Evidence]:
    if not ctx.exists("public.privacy_notice"):
        return [Evidence("notices_missing", "action")]
    known = {r for r in notices.CURRENT.values()
             if ctx.one("select count(*) from public.privacy_notice where version = %s", (r,))}
    return [Evidence("notices", _ok(known == set(notices.CURRENT.values())),
                     {"versions": ", ".join(sorted(notices.CURRENT.values()))})]


@evidence("personal")
def subject_requests(ctx: Context) -> list[Evidence]:
    if not ctx.exists("public.subject_request"):
        return [Evidence("requests_missing", "action")]
    late = ctx.one("select count(*) from public.subject_request where status = 'open' and deadline < %s",
                   (ctx.now.date(),))
    open_n = ctx.one("select count(*) from public.subject_request where status = 'open'")
    return [Evidence("requests", _ok(late == 0), {"open": open_n, "late": late})]


def assess(conn, now: dt.datetime | None = None) -> list[Point]:
    """Every control point with its evidence, read on an owner connection."""
    ctx = Context(conn, now or dt.datetime.now(dt.timezone.utc))
    return [Point(p, tuple(e for check in EVIDENCE[p] for e in check(ctx))) for p in POINTS]


def report(points: list[Point], lang: str = i18n.DEFAULT) -> str:
    t = lambda key, **p: i18n.t(key, lang, **p)  # noqa: E731
    lines = [t("compliance.title")]
    for p in points:
        lines.append(f"{MARKS[p.state]} {t(f'compliance.point.{p.name}')}: {t(f'compliance.state.{p.state}')}")
        lines += [f"    {MARKS[e.state]} {e.text(lang)}" for e in p.evidence]
        lines.append(f"    → {t('compliance.deployer_label')}{t(f'compliance.deployer.{p.name}')}")
    met = sum(p.state == "met" for p in points)
    lines.append(t("compliance.summary", met=met, total=len(points)))
    return "\n".join(lines)


def as_json(points: list[Point], lang: str = i18n.DEFAULT) -> str:
    return json.dumps({"points": [{
        "point": p.name, "title": i18n.t(f"compliance.point.{p.name}", lang), "state": p.state,
        "evidence": [{"key": e.key, "state": e.state, "params": e.params, "text": e.text(lang)} for e in p.evidence],
        "deployer": i18n.t(f"compliance.deployer.{p.name}", lang)} for p in points]}, ensure_ascii=False, indent=1)
