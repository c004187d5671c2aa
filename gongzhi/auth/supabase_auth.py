"""Supabase Auth for hosted deployments: every call to Supabase's Auth server lives here.

- `AuthSession`: ONE supabase-py client per user session (kept in that user's Streamlit session
  state, never in st.cache_resource, never shared): email + password sign-in, token refresh for
  long sessions, and sign-out of this session only (`scope: local`; supabase-py's default,
  `global`, would end the user's sessions on every device).
- `send_password_reset` and `AuthSession.reset_password`: the password-reset e-mail, whose
  code the user types into the sign-in page with a new password.
- `AuthSession.change_password`: the signed-in user's own new password, checked against the
  district's policy and the account's last N passwords (private.password_history, kept by the
  portal: Supabase Auth keeps no history) before Supabase Auth is asked; then the database records
  it, which also lifts a forced change (private.password_state).
- `AuthSession.sign_out_everywhere`: Supabase Auth's global sign-out (every device of the user).
  Idle timeout and single session per user are Supabase Auth settings of the project (its
  "time-box" and "inactivity timeout", and "single session per user"; docs/security.md).
- Second factor (Supabase Auth MFA, TOTP): after the password `second_factor_step` says whether
  to ask for a code (a verified factor: `verify_code`) or to enrol (`begin_enrolment`,
  `confirm_enrolment`: POST /factors, /factors/{id}/challenge, /factors/{id}/verify). A verified
  code gives a new access token whose `aal` claim is `aal2`, which the database's policies read.
  Supabase Auth has no recovery codes: an administrator removes a lost factor in the dashboard.
- `invite_staff`: the system administrator invites a new staff member through the Admin API with the
  service_role key, which stays on the server; the staff row is written under the inviter's own
  identity, so row-level security decides whether they may.

After sign-in the access token is verified by `gongzhi.auth.tokens` and every query runs as
`authenticated` with its claims, exactly as on the embedded server. The guide
(docs/deploy-supabase.md) exercises these calls by hand against a real project.
"""
from __future__ import annotations

import httpx
import psycopg
from supabase import Client, ClientOptions, create_client
from supabase_auth import errors as auth_errors

from gongzhi import config, db, security_log
from gongzhi.auth import passwords, second_factor, tokens, totp
from gongzhi.auth.identity import Identity, load_identity
from gongzhi.auth.local import hash_password
from gongzhi.errors import DomainError, from_db
from gongzhi.personal.crypto import seal_optional

REFRESH_MARGIN_SECONDS = 120


def _client(key_setting: str = "SUPABASE_ANON_KEY") -> Client:
    """A new client of its own (never cached): it holds at most one signed-in identity."""
    url, key = config.setting("SUPABASE_URL"), config.setting(key_setting)
    if not url or not key:
        raise DomainError("supabase_auth.no_service_key" if key_setting == "SUPABASE_SERVICE_ROLE_KEY"
                          else "supabase_auth.not_configured")
    # The reset e-mail carries a code typed into the portal, so no redirect flow (PKCE) is needed.
    return create_client(url, key, options=ClientOptions(auto_refresh_token=False, persist_session=False,
                                                         flow_type="implicit"))


def auth_error(exc: Exception) -> DomainError:
    """The message a Supabase Auth failure means for the user."""
    if isinstance(exc, (auth_errors.AuthRetryableError, httpx.HTTPError, OSError)):
        return DomainError("supabase_auth.unreachable")
    code = getattr(exc, "code", None)
    status = getattr(exc, "status", None)
    if code in ("invalid_credentials", "user_not_found") or isinstance(exc, auth_errors.AuthInvalidCredentialsError):
        return DomainError("supabase_auth.wrong_password")
    if code == "email_not_confirmed":
        return DomainError("supabase_auth.email_not_confirmed")
    if status == 429 or (code or "").startswith("over_"):
        return DomainError("supabase_auth.rate_limited")
    if code in ("mfa_verification_failed", "mfa_verification_rejected", "mfa_challenge_expired"):
        return DomainError("mfa.wrong_code")
    if code in ("refresh_token_not_found", "refresh_token_already_used", "session_not_found",
                "session_expired") or isinstance(exc, auth_errors.AuthSessionMissingError):
        return DomainError("supabase_auth.session_ended")
    return DomainError("supabase_auth.failed", message=str(exc) or type(exc).__name__)


class AuthSession:
    """One user's Supabase Auth client and tokens. Keep it in that user's session state only."""

    def __init__(self) -> None:
        self.client = _client()
        self.refresh_token: str | None = None
        self.pending_factor: str | None = None   # a TOTP factor enrolled, not yet confirmed

    def _identity(self, session) -> Identity:
        if session is None:
            raise DomainError("supabase_auth.session_ended")
        identity = tokens.identity_from_token(session.access_token)
        self.refresh_token = session.refresh_token
        return identity

    def sign_in(self, email: str, password: str) -> Identity:
        """Email + password through Supabase Auth; the verified token's staff identity."""
        email = (email or "").strip().lower()
        if not email or not password:
            raise DomainError("auth.missing")
        try:
            response = self.client.auth.sign_in_with_password({"email": email, "password": password})
        except Exception as exc:  # supabase-py raises AuthError subclasses and httpx errors
            raise auth_error(exc) from None
        return self._identity(response.session)

    def keep_fresh(self, identity: Identity, margin: float = REFRESH_MARGIN_SECONDS) -> Identity:
        """`identity` while its token has more than `margin` seconds left; otherwise a new one from
        a refreshed token. DomainError when the session cannot be renewed (sign in again)."""
        if tokens.seconds_left(identity) > margin:
            return identity
        if not self.refresh_token:
            raise DomainError("supabase_auth.session_ended")
        try:
            response = self.client.auth.refresh_session(self.refresh_token)
        except Exception as exc:
            raise auth_error(exc) from None
        return self._identity(response.session)

    def reset_password(self, email: str, code: str, new_password: str) -> Identity:
        """Sets a new password with the code from the reset e-mail; signs the user in."""
        email, code = (email or "").strip().lower(), (code or "").strip()
        if not email or not code or not new_password:
            raise DomainError("auth.missing")
        with db.as_auth() as conn:              # the policy before any call to Supabase Auth
            passwords.check(conn, new_password, email=email)
        try:
            response = self.client.auth.verify_otp({"email": email, "token": code, "type": "recovery"})
        except Exception as exc:
            raise auth_error(exc) from None
        return self.change_password(self._identity(response.session), new_password)

    def change_password(self, identity: Identity, new_password: str, client: str | None = None) -> Identity:
        """The signed-in user's own new password: refused (before Supabase Auth is asked) when the
        district's policy or the account's history refuses it; recorded in the database after."""
        if not new_password:
            raise DomainError("auth.missing")
        with db.as_auth() as conn:
            passwords.check(conn, new_password, email=identity.email, name=identity.display_name,
                            user_id=identity.user_id)
        try:
            self.client.auth.update_user({"password": new_password})
        except Exception as exc:
            raise auth_error(exc) from None
        with db.as_auth() as conn:
            conn.execute("select private.change_own_password(%s, %s)", (identity.user_id, hash_password(new_password)))
            security_log.append(conn, "password_change", client=client, object=f"user:{identity.user_id}",
                                details={"forced": identity.must_change or None})
        return load_identity(identity.user_id, identity.claims)

    def sign_out_everywhere(self) -> None:
        """Ends every session of the user, on every device (Supabase Auth's global sign-out)."""
        try:
            self.client.auth.sign_out({"scope": "global"})
        except Exception as exc:
            raise auth_error(exc) from None
        self.refresh_token = None

    def _totp_factors(self) -> list:
        try:
            return self.client.auth.mfa.list_factors().all
        except Exception as exc:
            raise auth_error(exc) from None

    def has_factor(self) -> bool:
        """Whether the signed-in user has a verified TOTP factor."""
        return any(f.factor_type == "totp" and f.status == "verified" for f in self._totp_factors())

    def second_factor_step(self, identity: Identity) -> str | None:
        """After the password: `code` (a verified TOTP factor), `enrol` (the district requires one
        of this account and it has none: gongzhi.auth.second_factor's rule), or None."""
        if self.has_factor():
            return "code"
        return "enrol" if second_factor.requires_second_factor(identity) else None

    def begin_enrolment(self, identity: Identity) -> second_factor.Enrolment:
        """A new TOTP factor (unverified until a code confirms it); older unverified ones go."""
        try:
            for factor in self._totp_factors():
                if factor.status != "verified":
                    self.client.auth.mfa.unenroll({"factor_id": factor.id})
            enrolled = self.client.auth.mfa.enroll({"factor_type": "totp", "issuer": totp.ISSUER,
                                                    "friendly_name": f"{totp.ISSUER} {identity.email}"})
        except Exception as exc:
            raise auth_error(exc) from None
        self.pending_factor = enrolled.id
        return second_factor.Enrolment(enrolled.totp.secret, enrolled.totp.uri)

    def _verified(self, factor_id: str, code: str) -> Identity:
        code = totp.normalise_code(code)
        if not totp.is_totp_shape(code):
            raise DomainError("mfa.wrong_code")
        try:
            self.client.auth.mfa.challenge_and_verify({"factor_id": factor_id, "code": code})
        except Exception as exc:
            raise auth_error(exc) from None
        return self._identity(self.client.auth.get_session())

    def confirm_enrolment(self, code: str) -> Identity:
        """The pending factor confirmed by a current code: the identity of the new aal2 token."""
        if not getattr(self, "pending_factor", None):
            raise DomainError("mfa.no_enrolment")
        identity = self._verified(self.pending_factor, code)
        self.pending_factor = None
        return identity

    def verify_code(self, code: str) -> Identity:
        """The code of the account's verified factor: the identity of the new aal2 token."""
        factor = next((f for f in self._totp_factors() if f.factor_type == "totp" and f.status == "verified"), None)
        if factor is None:
            raise DomainError("mfa.not_enrolled")
        return self._verified(factor.id, code)

    def sign_out(self) -> None:
        """Ends this session only; the user's sessions on other devices stay signed in."""
        try:
            self.client.auth.sign_out({"scope": "local"})
        except Exception:  # already ended on the server, or unreachable: the local session is gone either way
            pass
        self.refresh_token = None


def send_password_reset(email: str, redirect_to: str | None = None) -> None:
    """Asks Supabase Auth to e-mail a reset link; says nothing about whether the address exists."""
    email = (email or "").strip().lower()
    if not email:
        raise DomainError("auth.missing")
    try:
        _client().auth.reset_password_for_email(email, {"redirect_to": redirect_to} if redirect_to else {})
    except Exception as exc:
        error = auth_error(exc)
        if error.key in ("supabase_auth.unreachable", "supabase_auth.rate_limited"):
            raise error from None


def invite_staff(inviter: Identity, *, email: str, role: str, org_unit_id: int, display_name: str,
                 phone: str | None = None, department_id: int | None = None, redirect_to: str | None = None) -> str:
    """Invites a new staff member by e-mail and records their staff row; returns the new user id.

    The staff row is written as the inviter, so row-level security decides (the system administrator only);
    if it is refused, the invited account is deleted again, so nothing is left half done.
    """
    if inviter.admin != "system":  # hide what the database would refuse anyway, before any e-mail goes out
        raise DomainError("error.forbidden")
    admin = _client("SUPABASE_SERVICE_ROLE_KEY").auth.admin
    try:
        options = {"data": {"display_name": display_name}}
        if redirect_to:
            options["redirect_to"] = redirect_to
        user_id = admin.invite_user_by_email(email.strip().lower(), options).user.id
    except Exception as exc:
        raise auth_error(exc) from None
    try:
        with inviter.session() as conn:
            sealed = seal_optional("phone", phone)
            conn.execute("insert into public.staff (user_id, org_unit_id, role, display_name, phone_enc, phone_bidx,"
                         " phone_masked, department_id) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                         (user_id, org_unit_id, role, display_name, *((sealed.enc, sealed.bidx, sealed.masked)
                                                                       if sealed else (None, None, None)),
                          department_id))
    except psycopg.Error as exc:
        refusal = from_db(exc)
    else:
        return str(user_id)
    try:
        admin.delete_user(user_id)
    except Exception:
        pass  # the invitation stays unusable without a staff row: load_identity refuses it
    raise refusal
