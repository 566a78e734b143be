"""Workspace accounts: argon2 password hashes (argon2-cffi), roles, and the demo accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.store.models import Unit
from auditor.store.models_web import ROLES, LoginAttempt, WebUser
from auditor.vocabulary import utcnow

_hasher = PasswordHasher()
# A hash of a random password, verified against when the username is unknown so that a failed login
# costs the same time whether or not the account exists.
_DUMMY_HASH = _hasher.hash("no-such-user-\x00-dummy")
MIN_PASSWORD = 8



def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> WebUser | None:
    user = session.scalar(select(WebUser).where(WebUser.username == username))
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.commit()
    return user


def create_user(session: Session, username: str, password: str, role: str, unit_id: str | None = None, *,
                display_name: str = "", replace: bool = False, min_length: int = MIN_PASSWORD) -> WebUser:
    """Create (or with replace=True reset) one account; staff accounts must name an existing unit."""
    username = username.strip()
    if not username or len(username) > 64:
        raise AuditorError("username must be 1-64 characters")
    if role not in ROLES:
        raise AuditorError(f"unknown role {role!r}", hint=f"choose from {', '.join(ROLES)}")
    if len(password) < min_length:
        raise AuditorError(f"password too short (at least {min_length} characters)")
    if role == "staff":
        if not unit_id or session.get(Unit, unit_id) is None:
            raise AuditorError(f"unknown unit {unit_id!r}", hint="a staff account needs the id of a unit in the store")
    else:
        unit_id = None
    user = session.scalar(select(WebUser).where(WebUser.username == username))
    if user is not None and not replace:
        raise AuditorError(f"user {username!r} exists")
    if user is None:
        user = WebUser(username=username, created_at=utcnow(), session_version=1)
        session.add(user)
    else:
        end_sessions(user)  # a reset password (or role, or unit) ends every session opened with the old one
    user.password_hash = hash_password(password)
    user.role, user.unit_id, user.display_name, user.active = role, unit_id, display_name, True
    session.flush()
    return user


def create_demo_accounts(session: Session) -> list[tuple[str, str, str, str | None]]:
    """One admin, one evaluator and one staff account per scored unit, with documented passwords.

    admin / admin-demo, eval / eval-demo, <unit_id> / <unit_id>-demo. Existing demo accounts are reset.
    Commits; returns (username, password, role, unit_id) for each account.
    """
    accounts: list[tuple[str, str, str, str | None]] = [("admin", "admin-demo", "admin", None),
                                                         ("eval", "eval-demo", "evaluator", None)]
    units = session.scalars(select(Unit).where(Unit.kind.in_(("department", "subdistrict"))).order_by(Unit.id))
    for unit in units:
        accounts.append((unit.id, f"{unit.id}-demo", "staff", unit.id))
    for username, password, role, unit_id in accounts:
        unit = session.get(Unit, unit_id) if unit_id else None
        create_user(session, username, password, role, unit_id, replace=True,
                    display_name=unit.name if unit else {"admin": "管理员", "evaluator": "评估人员"}[role],
                    min_length=1)
    session.commit()
    return accounts


# ---------------------------------------------------------------------------- sessions
def end_sessions(user: WebUser) -> None:
    """Invalidate every session of the account: each carries the version it was opened with."""
    user.session_version = (user.session_version or 1) + 1


def deactivate_user(session: Session, user: WebUser) -> None:
    """Account removal: the account can no longer log in and every open session of it ends."""
    user.active = False
    end_sessions(user)
    session.flush()


# ---------------------------------------------------------------------------- login throttling
@dataclass(frozen=True)
class Throttle:
    """Failed logins allowed within the window, per account (since its last success) and per address."""

    per_account: int = 5
    per_address: int = 20
    window_seconds: int = 15 * 60


def login_blocked(session: Session, username: str, address: str, throttle: Throttle,
                  now: datetime | None = None) -> str | None:
    """'account' or 'address' when that one has used up its failed attempts in the window, else None."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=throttle.window_seconds)
    last_ok = session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.username == username,
                                                                      LoginAttempt.ok.is_(True)))
    since = max(cutoff, last_ok) if last_ok else cutoff
    failed = session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.username == username, LoginAttempt.ok.is_(False), LoginAttempt.at > since)) or 0
    if failed >= throttle.per_account:
        return "account"
    failed = session.scalar(select(func.count(LoginAttempt.id)).where(
        LoginAttempt.address == address, LoginAttempt.ok.is_(False), LoginAttempt.at > cutoff)) or 0
    if failed >= throttle.per_address:
        return "address"
    return None


def record_attempt(session: Session, username: str, address: str, ok: bool) -> None:
    session.add(LoginAttempt(at=utcnow(), username=username[:64], address=address[:64], ok=ok))
    session.flush()
