"""`python -m gongzhi doctor`: checks a configured deployment (hosted Supabase, any PostgreSQL, or
the embedded server) and says, in the user's language, what is wrong and how to fix it.

Each check returns Findings; a Finding names an i18n key for what was found and one for the fix.
The checks only read: everything runs in a transaction that is rolled back.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import jwt
import psycopg

from gongzhi import config, i18n
from gongzhi.db import migrate

CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class Finding:
    check: str                      # short name, also the i18n family doctor.<check>
    ok: bool
    key: str                        # what was found
    params: dict = field(default_factory=dict)
    fix: str | None = None          # how to fix it (problems only)

    def render(self, lang: str) -> str:
        mark = "✔" if self.ok else "✘"
        title = "doctor.check." + self.check
        line = f"{mark} {i18n.t(title, lang)}: {i18n.t(self.key, lang, **self.params)}"
        if self.fix:
            line += "\n    → " + i18n.t(self.fix, lang, **self.params)
        return line


def _names(rows) -> str:
    return ", ".join(r[0] for r in rows)


def check_migrations(conn: psycopg.Connection) -> Finding:
    files = [m.version for m in migrate.migrations()]
    if conn.execute("select to_regclass('supabase_migrations.schema_migrations')").fetchone()[0] is None:
        return Finding("migrations", False, "doctor.migrations.none", fix="doctor.migrations.fix_push")
    applied = {r[0] for r in conn.execute("select version from supabase_migrations.schema_migrations")}
    old = sorted(v for v in applied if v < migrate.BASELINE)
    if old:
        return Finding("migrations", False, "doctor.migrations.pre_release",
                       {"first": old[0], "last": old[-1]}, fix="doctor.migrations.fix_recreate")
    missing = [v for v in files if v not in applied]
    unknown = sorted(applied - set(files))
    if missing:
        return Finding("migrations", False, "doctor.migrations.missing",
                       {"n": len(missing), "versions": ", ".join(missing)}, fix="doctor.migrations.fix_push")
    if unknown:
        return Finding("migrations", False, "doctor.migrations.unknown",
                       {"versions": ", ".join(unknown)}, fix="doctor.migrations.fix_update_code")
    return Finding("migrations", True, "doctor.migrations.ok", {"n": len(files)})


def check_rls(conn: psycopg.Connection) -> Finding:
    rows = conn.execute("""select c.relname from pg_class c
                           where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
                             and not c.relrowsecurity order by 1""").fetchall()
    if rows:
        return Finding("rls", False, "doctor.rls.off", {"tables": _names(rows)}, fix="doctor.rls.fix")
    return Finding("rls", True, "doctor.rls.ok")


def check_views(conn: psycopg.Connection) -> Finding:
    rows = conn.execute("""select c.relname from pg_class c
                           where c.relnamespace = 'public'::regnamespace and c.relkind in ('v', 'm')
                             and not coalesce('security_invoker=true' = any (c.reloptions), false)
                           order by 1""").fetchall()
    if rows:
        return Finding("views", False, "doctor.views.definer", {"views": _names(rows)}, fix="doctor.views.fix")
    return Finding("views", True, "doctor.views.ok")


def check_anon(conn: psycopg.Connection) -> Finding:
    """Select from every public table and view as `anon`, as a request with the public anon key."""
    relations = [r[0] for r in conn.execute(
        "select relname from pg_class where relnamespace = 'public'::regnamespace"
        " and relkind in ('r', 'p', 'v', 'm', 'f') order by 1")]
    readable = []
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("select set_config('request.jwt.claims', '{\"role\":\"anon\"}', true)")
            conn.execute("set local role anon")
            for name in relations:
                try:
                    with conn.transaction():
                        if conn.execute(f'select 1 from public."{name}" limit 1').fetchone():
                            readable.append(name)
                except psycopg.errors.InsufficientPrivilege:
                    pass
    except psycopg.errors.InsufficientPrivilege:
        return Finding("anon", False, "doctor.anon.cannot_check", fix="doctor.anon.fix_member")
    if readable:
        return Finding("anon", False, "doctor.anon.reads", {"tables": ", ".join(readable)}, fix="doctor.anon.fix")
    return Finding("anon", True, "doctor.anon.ok", {"n": len(relations)})


def check_rpc(conn: psycopg.Connection) -> Finding:
    """security definer functions in public are callable through the API (RPC) by whoever may execute them."""
    rows = conn.execute("""
        select p.oid::regprocedure::text from pg_proc p
        where p.pronamespace = 'public'::regnamespace and p.prosecdef
          and p.prorettype <> 'trigger'::regtype
          and (has_function_privilege('anon', p.oid, 'execute')
               or has_function_privilege('authenticated', p.oid, 'execute'))
        order by 1""").fetchall()
    allowed = set(RPC_MEANT_FOR_API_ROLES)
    exposed = [r for r in rows if r[0] not in allowed]
    if exposed:
        return Finding("rpc", False, "doctor.rpc.exposed", {"functions": _names(exposed)}, fix="doctor.rpc.fix")
    return Finding("rpc", True, "doctor.rpc.ok")


# security definer functions in public that anon or authenticated may call on purpose, by signature.
RPC_MEANT_FOR_API_ROLES: tuple[str, ...] = ()


def check_jwt(conn: psycopg.Connection) -> Finding:
    """The configured JWT secret must be the project's: the legacy anon key is a JWT the project signed."""
    if config.backend() != "supabase":
        return Finding("jwt", True, "doctor.jwt.not_used", {"backend": config.backend()})
    secret = config.setting("SUPABASE_JWT_SECRET")
    anon_key = config.setting("SUPABASE_ANON_KEY")
    jwks_url = config.setting("SUPABASE_JWKS_URL")
    if not anon_key:
        return Finding("jwt", False, "doctor.jwt.no_anon_key", fix="doctor.jwt.fix_settings")
    if not secret:
        if jwks_url:
            try:
                jwt.PyJWKClient(jwks_url, timeout=CONNECT_TIMEOUT).get_signing_keys()
            except jwt.PyJWTError:
                return Finding("jwt", False, "doctor.jwt.jwks_unreachable", {"url": jwks_url},
                               fix="doctor.jwt.fix_settings")
            return Finding("jwt", True, "doctor.jwt.jwks_ok", {"url": jwks_url})
        return Finding("jwt", False, "doctor.jwt.no_secret", fix="doctor.jwt.fix_settings")
    stored = conn.execute("select nullif(current_setting('app.settings.jwt_secret', true), '')").fetchone()[0]
    if stored and stored != secret:
        return Finding("jwt", False, "doctor.jwt.mismatch_database", fix="doctor.jwt.fix_secret")
    try:
        header = jwt.get_unverified_header(anon_key)
    except jwt.PyJWTError:
        return Finding("jwt", True, "doctor.jwt.new_keys")  # sb_publishable_… keys are not JWTs
    if header.get("alg") != "HS256":
        return Finding("jwt", True, "doctor.jwt.new_keys")
    try:
        jwt.decode(anon_key, secret, algorithms=["HS256"], options={"verify_exp": False, "verify_aud": False})
    except jwt.InvalidSignatureError:
        return Finding("jwt", False, "doctor.jwt.mismatch", fix="doctor.jwt.fix_secret")
    except jwt.PyJWTError:
        return Finding("jwt", False, "doctor.jwt.bad_anon_key", fix="doctor.jwt.fix_settings")
    # The round trip the portal relies on: a token signed with this secret verifies.
    from gongzhi.auth import tokens
    probe = jwt.encode({"sub": "00000000-0000-0000-0000-000000000000", "aud": tokens.AUDIENCE,
                        "role": tokens.ROLE, "exp": int(time.time()) + 60}, secret, algorithm="HS256")
    tokens.verify(probe, tokens.Verifier(secret=secret))
    return Finding("jwt", True, "doctor.jwt.ok")


def check_district_admin(conn: psycopg.Connection) -> Finding:
    """An active system administrator (三权分立): the one who manages the org tree and accounts."""
    if conn.execute("select to_regclass('public.admin_grant')").fetchone()[0] is None:
        return Finding("admin", False, "doctor.admin.none", fix="doctor.admin.fix")
    n = conn.execute("select count(*) from public.admin_grant g join public.staff s on s.user_id = g.user_id"
                     " where s.active and g.capability = 'system'").fetchone()[0]
    if n == 0:
        return Finding("admin", False, "doctor.admin.none", fix="doctor.admin.fix")
    return Finding("admin", True, "doctor.admin.ok", {"n": n})


def check_plaintext(conn: psycopg.Connection) -> Finding:
    """Personal data at rest: nothing waiting for encryption, no phone-like text in any table, and
    the data keys present and the ones the rows were written with."""
    from gongzhi.personal import crypto, keys, pending
    waiting = pending.count(conn)
    if waiting:
        return Finding("plaintext", False, "doctor.plaintext.pending", {"n": waiting}, fix="doctor.plaintext.fix_migrate")
    found = pending.phone_like_columns(conn)
    if found:
        return Finding("plaintext", False, "doctor.plaintext.found", {"columns": ", ".join(found)},
                       fix="doctor.plaintext.fix_found")
    try:
        if pending._tuple(conn.execute("select to_regclass('private.encrypted_field')").fetchone())[0] is not None:
            sample = pending._sample(conn)
            ring = keys.load()
            if sample is not None:
                crypto.decrypt(sample[0], sample[1], ring)
    except keys.KeyError_ as exc:
        return Finding("plaintext", False, "doctor.plaintext.keys", {"detail": str(exc)}, fix="doctor.plaintext.fix_keys")
    return Finding("plaintext", True, "doctor.plaintext.ok")


def _newest(conn: psycopg.Connection, kind: str):
    """The newest security-log entry of `kind` as (at, details), or None (none yet, or no log)."""
    if conn.execute("select to_regclass('private.security_log')").fetchone()[0] is None:
        return None
    return conn.execute("select at, details from private.security_log where kind = %s"
                        " order by at desc, id desc limit 1", (kind,)).fetchone()


def _when(at) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def check_backup(conn: psycopg.Connection) -> Finding:
    """The backup job's newest run (`python -m gongzhi backup`, recorded in the security log): a
    failed one is a problem until a later run succeeds; said in the words of its refusal."""
    row = _newest(conn, "backup")
    if row is None:
        return Finding("backup", True, "doctor.backup.none")
    at, details = row
    if details.get("ok"):
        return Finding("backup", True, "doctor.backup.ok", {"at": _when(at)})
    params = {**(details.get("params") or {}), "at": _when(at)}
    key = details.get("problem") or "doctor.backup.failed"
    return Finding("backup", False, key if i18n.has(key) else "doctor.backup.failed", params,
                   fix="doctor.backup.fix")


def check_drill(conn: psycopg.Connection) -> Finding:
    """The newest restore drill (`python -m gongzhi drill`): a failed one means the backup may not restore."""
    row = _newest(conn, "drill")
    if row is None:
        return Finding("drill", True, "doctor.drill.none")
    at, details = row
    if details.get("ok"):
        return Finding("drill", True, "doctor.drill.ok", {"at": _when(at), "rto": details.get("rto_s", "-")})
    return Finding("drill", False, "doctor.drill.failed",
                   {"at": _when(at), "problems": "; ".join(details.get("problems") or [])[:400]}, fix="doctor.drill.fix")


def check_slots(conn: psycopg.Connection) -> Finding:
    """Replication slots left behind by a removed standby hold WAL on the primary until its disk
    fills: warned about once one holds more than GONGZHI_SLOT_WARN_MB (256 MB unless set)."""
    from gongzhi.db import standby
    if conn.execute("select pg_is_in_recovery()").fetchone()[0]:
        return Finding("slots", True, "doctor.slots.standby")
    limit = config.setting("GONGZHI_SLOT_WARN_MB")
    warn = int(limit) * 1024 * 1024 if limit and limit.isdigit() else standby.SLOT_WARN_BYTES
    found = standby.slots(conn)
    behind = standby.left_behind(found, warn)
    if not behind:
        return Finding("slots", True, "doctor.slots.ok", {"n": len(found)})
    mb = 1024 * 1024
    listed = ", ".join(f"{s['name']} ({s['retained_bytes'] // mb} MB"
                       + (f" / {max(0, s['safe_bytes']) // mb} MB" if s["safe_bytes"] is not None else "") + ")"
                       for s in behind)
    uncapped = conn.execute("show max_slot_wal_keep_size").fetchone()[0] == "-1"
    return Finding("slots", False, "doctor.slots.uncapped" if uncapped else "doctor.slots.left_behind",
                   {"slots": listed, "first": behind[0]["name"]}, fix="doctor.slots.fix")


CHECKS = (check_migrations, check_rls, check_views, check_anon, check_rpc, check_jwt, check_district_admin,
          check_plaintext, check_backup, check_drill, check_slots)


def check_portal_login(url: str) -> Finding:
    """The portal's own login role signs in (it connects as gongzhi_portal, not as the owner)."""
    from gongzhi.db import connection
    try:
        with psycopg.connect(connection.portal_url(url), connect_timeout=CONNECT_TIMEOUT) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        return Finding("portal", False, "doctor.portal.fail", {"error": str(exc).strip().splitlines()[0]},
                       fix="doctor.portal.fix")
    return Finding("portal", True, "doctor.portal.ok")


def run(url: str) -> list[Finding]:
    """Every check against the database at `url`; nothing is changed."""
    try:
        conn = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT)
    except psycopg.Error as exc:
        return [Finding("connect", False, "doctor.connect.fail", {"error": str(exc).strip().splitlines()[0]},
                        fix="doctor.connect.fix")]
    findings = [Finding("connect", True, "doctor.connect.ok",
                        {"version": conn.info.parameter_status("server_version") or "?"})]
    with conn:
        for check in CHECKS:
            try:
                with conn.transaction(force_rollback=True):
                    findings.append(check(conn))
            except psycopg.Error as exc:   # e.g. a server without Gongzhi's roles: said, and the other checks go on
                name = "admin" if check is check_district_admin else check.__name__.removeprefix("check_")
                findings.append(Finding(name, False, "doctor.failed", {"error": str(exc).strip().splitlines()[0]},
                                        fix="doctor.migrations.fix_push"))
    findings.append(check_portal_login(url))
    return findings


def report(findings: list[Finding], lang: str) -> str:
    problems = sum(not f.ok for f in findings)
    summary = (i18n.t("doctor.summary.ok", lang) if problems == 0
               else i18n.t("doctor.summary.problems", lang, n=problems))
    return "\n".join([f.render(lang) for f in findings] + ["", summary])
