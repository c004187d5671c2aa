"""The district's security policy (安全策略): password, session, second-factor and retention settings.

Each setting is a row of `public.security_setting`; a key with no row takes its default here, so a
new district is safe without configuring anything. `DEFAULTS` is the one list of keys, each with
its default and the bounds a value must keep (a district may make a rule stricter than the floor,
never weaker). `change` writes a setting and its `setting` entry in the security log in one
transaction, as the signed-in user, so row-level security decides who may.
"""
from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from gongzhi import security_log
from gongzhi.errors import DomainError, from_db


@dataclass(frozen=True)
class Setting:
    default: int | bool | str
    low: int | None = None     # integers: the smallest value allowed
    high: int | None = None    # integers: the largest value allowed
    choices: tuple[str, ...] = ()   # text: the values allowed


DEFAULTS: dict[str, Setting] = {
    # The second factor (gongzhi.auth.second_factor; the database reads the same keys in
    # private.requires_aal2_of, so a change here needs one there). Outside demo mode:
    "mfa.required_for_district": Setting(True),   # district accounts must sign in with a second factor
    "mfa.optional_for_others": Setting(True),     # other staff may enrol; False: every account must
    # 访问控制: an account without a sign-in for this many days is dormant (listed for the system
    # administrator, to be disabled).
    "accounts.dormant_days": Setting(90, low=7, high=3650),
    # Passwords (gongzhi.auth.passwords): a district may ask for more, never for less.
    "password.min_length": Setting(10, low=10, high=64),
    "password.history": Setting(5, low=5, high=24),          # no reuse of the last N (24 are kept)
    "password.expiry_days": Setting(90, low=7, high=90),
    "password.warn_days": Setting(7, low=1, high=30),        # the banner, this many days before expiry
    # Browser sessions (gongzhi.auth.sessions).
    "session.idle_minutes": Setting(30, low=5, high=30),
    "session.lifetime_hours": Setting(12, low=1, high=12),
    "session.second_sign_in": Setting("end_older", choices=("end_older", "refuse")),
    # 随手拍 (gongzhi.photos): the largest photo accepted, in MB, before it is re-encoded.
    "photos.max_mb": Setting(10, low=1, high=50),
    # 民情意见箱 (gongzhi.suggest; the database reads the same keys and defaults in
    # public.submit_suggestion): the first reply within this many working days, and the flood limits
    # of the public box per phone (a day), per sender (an hour) and per community (an hour).
    "suggestion.reply_working_days": Setting(3, low=1, high=15),
    "suggestion.per_phone_day": Setting(5, low=1, high=50),
    "suggestion.per_sender_hour": Setting(10, low=1, high=200),
    "suggestion.per_community_hour": Setting(200, low=10, high=10000),
    # 随手拍 on the box (the database reads the same keys and defaults in
    # public.submit_suggestion_with_photos): photos per message (0: none), the largest photo in MB,
    # and the public's photos per community a day.
    "suggestion.photos_per_message": Setting(3, low=0, high=9),
    "suggestion.photo_max_mb": Setting(5, low=1, high=20),
    "suggestion.photos_per_community_day": Setting(200, low=10, high=5000),
    # Look-ups of tracking codes (意见箱) and vote codes (公议) by one client: after this many
    # unknown codes within the window, every look-up of that client waits for the window to pass
    # (the database reads the same keys and defaults in private.code_lookup_allowed).
    "codes.failures_per_client": Setting(10, low=3, high=100),
    "codes.failure_window_minutes": Setting(15, low=1, high=1440),
    # The published demo password is allowed only in demo mode; only the demo loader turns it on.
    "demo_mode": Setting(False),
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
    value = str(value)
    if setting.choices and value not in setting.choices:
        raise DomainError("security_setting.not_a_choice", name=key, choices="、".join(setting.choices))
    return value


def read(user) -> dict[str, int | bool | str]:
    """Every setting as it applies now, read as `user` (in the page's transaction when there is one)."""
    with user.session() as conn:
        return current(conn)


def change(user, key: str, value) -> None:
    """Store `value` for `key` as `user` and log it, in one transaction."""
    value = check(key, value)
    try:
        with user.session() as conn:
            old = get(conn, key)
            conn.execute("insert into public.security_setting (key, value) values (%s, %s)"
                         " on conflict (key) do update set value = excluded.value", (key, Jsonb(value)))
            security_log.append(conn, "setting", object=f"setting:{key}", details={"from": old, "to": value})
    except psycopg.Error as exc:   # refused by the database (not the security administrator, demo mode back on)
        raise from_db(exc) from None
