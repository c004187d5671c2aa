"""The district's security policy (安全策略): password, session, second-factor and retention settings.

Each setting is a row of `public.security_setting`; a key with no row takes its default here, so a
new district is safe without configuring anything. `DEFAULTS` is the one list of keys, each with
its default and the bounds a value must keep (a district may make a rule stricter than the floor,
never weaker). `change` writes a setting and its `setting` entry in the security log in one
transaction, as the signed-in user, so row-level security decides who may.
"""
from __future__ import annotations

from dataclasses import dataclass

from psycopg.types.json import Jsonb

from gongzhi import security_log
from gongzhi.errors import DomainError


@dataclass(frozen=True)
class Setting:
    default: int | bool | str
    low: int | None = None     # integers: the smallest value allowed
    high: int | None = None    # integers: the largest value allowed


DEFAULTS: dict[str, Setting] = {
    # The second factor (gongzhi.auth.second_factor; the database reads the same keys in
    # private.requires_aal2_of, so a change here needs one there). Outside demo mode:
    "mfa.required_for_district": Setting(True),   # district accounts must sign in with a second factor
    "mfa.optional_for_others": Setting(True),     # other staff may enrol; False: every account must
    # 访问控制: an account without a sign-in for this many days is dormant (listed for the system
    # administrator, to be disabled).
    "accounts.dormant_days": Setting(90, low=7, high=3650),
}


def _read(conn) -> dict:
    return {r["key"]: r["value"] for r in conn.execute("select key, value from public.security_setting")}


def current(conn) -> dict[str, int | bool | str]:
    """Every setting as it applies now: the stored value, or the default."""
    stored = _read(conn)
    return {key: stored.get(key, s.default) for key, s in DEFAULTS.items()}


def get(conn, key: str):
    row = conn.execute("select value from public.security_setting where key = %s", (key,)).fetchone()
    return row["value"] if row else DEFAULTS[key].default


def check(key: str, value):
    """`value` as the setting's type, or DomainError when it is of the wrong kind or out of bounds."""
    setting = DEFAULTS.get(key)
    if setting is None:
        raise DomainError("security_setting.unknown", name=key)
    kind = type(setting.default)
    if kind is bool:
        if not isinstance(value, bool):
            raise DomainError("security_setting.not_bool", name=key)
        return value
    if kind is int:
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise DomainError("security_setting.not_int", name=key) from None
        if (setting.low is not None and value < setting.low) or (setting.high is not None and value > setting.high):
            raise DomainError("security_setting.out_of_range", name=key, low=setting.low, high=setting.high)
        return value
    return str(value)


def change(user, key: str, value) -> None:
    """Store `value` for `key` as `user` and log it, in one transaction."""
    value = check(key, value)
    with user.session() as conn:
        old = get(conn, key)
        conn.execute("insert into public.security_setting (key, value) values (%s, %s)"
                     " on conflict (key) do update set value = excluded.value", (key, Jsonb(value)))
        security_log.append(conn, "setting", object=f"setting:{key}", details={"from": old, "to": value})
