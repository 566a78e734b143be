"""Workspace accounts: argon2 password hashes (argon2-cffi), roles, and the demo accounts."""

from __future__ import annotations

from datetime import datetime, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from auditor.errors import AuditorError
from auditor.store.models import Unit
from auditor.store.models_web import ROLES, WebUser

_hasher = PasswordHasher()
# A hash of a random password, verified against when the username is unknown so that a failed login
# costs the same time whether or not the account exists.
_DUMMY_HASH = _hasher.hash("no-such-user-\x00-dummy")
MIN_PASSWORD = 8


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


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
        user = WebUser(username=username, created_at=_now())
        session.add(user)
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
