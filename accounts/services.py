"""Account operations: creating users, logging in with throttling, one-time password links.

Each function owns its transaction so the CLI, the views and the tests share one code path.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from core.timeutil import utcnow
from extensions import db

from accounts import throttle
from accounts.models import LoginFailure, PasswordToken, Role, User, UserRole
from accounts.throttle import THROTTLE_WINDOW

MIN_PASSWORD_LENGTH = 12
TOKEN_LIFETIME = timedelta(days=3)
# A hash that check_password_hash can chew on, so unknown e-mails cost as much as known ones.
_DUMMY_HASH = generate_password_hash("probatio-timing-equaliser")


class AccountError(Exception):
    """A refused account operation; the message is French and safe to show."""


class LoginThrottled(AccountError):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(
            f"Trop de tentatives de connexion. Réessayez dans {throttle.wait_in_words(retry_after)}."
        )


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(email: str, full_name: str, roles: set[Role] | list[Role], password: str | None = None) -> User:
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("Adresse e-mail invalide.")
    if not full_name.strip():
        raise AccountError("Le nom complet est obligatoire.")
    if not roles:
        raise AccountError("Choisissez au moins un rôle.")
    if get_user_by_email(email):
        raise AccountError("Un compte existe déjà avec cette adresse e-mail.")
    user = User(email=email, full_name=full_name.strip())
    user.role_rows = [UserRole(role=Role(role).value) for role in sorted(set(roles))]
    if password is not None:
        _check_password_strength(password)
        user.password_hash = _hash_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def active_users_with(role: Role) -> list[User]:
    """Active accounts holding `role`, by name (for pickers: candidates, tutors, jurors)."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == Role(role).value, User.active.is_(True))
            .order_by(User.full_name)
        )
    )


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.full_name)))


def set_active(user: User, active: bool) -> None:
    user.active = active
    end_sessions(user)


def user_of_session(session_id: str) -> User | None:
    """Flask-Login's user loader: "id:generation" (User.get_id) names the user while the
    session is still current; one opened before the generation was raised is over."""
    user_id, _, generation = session_id.partition(":")
    if not (user_id.isdigit() and generation.isdigit()):
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.session_generation == int(generation) else None


def end_sessions(user: User) -> None:
    """End every session of `user` on the server (logout, new password, deactivation); commits."""
    db.session.execute(
        update(User).where(User.id == user.id).values(session_generation=User.session_generation + 1)
    )
    db.session.commit()
    db.session.refresh(user)


def _hash_password(password: str) -> str:
    # Tests lower the work factor through PASSWORD_HASH_METHOD; production keeps Werkzeug's default.
    method = current_app.config.get("PASSWORD_HASH_METHOD")
    return generate_password_hash(password, method=method) if method else generate_password_hash(password)


def _check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Le mot de passe doit compter au moins {MIN_PASSWORD_LENGTH} caractères.")


def authenticate(email: str, password: str, remote_addr: str) -> User | None:
    """Return the user when e-mail and password match, None otherwise.

    Raises LoginThrottled, before any password is checked, when this attempt has to wait
    (accounts/throttle.py); the caller shows the same message whether or not the e-mail exists.
    """
    email = normalise_email(email)
    wait = throttle.claim_attempt(email, remote_addr)
    if wait is not None:
        raise LoginThrottled(wait)
    user = get_user_by_email(email)
    ok = check_password_hash(user.password_hash if user and user.password_hash else _DUMMY_HASH, password)
    if user and user.password_hash and ok and user.active:
        throttle.forget_failures(email, remote_addr)
        db.session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        db.session.commit()
        return user
    db.session.add(LoginFailure(email=email, remote_addr=remote_addr[:64]))
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < utcnow() - THROTTLE_WINDOW))
    db.session.commit()
    return None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_token(user: User) -> str:
    """Create a one-time set-password token, revoking earlier ones; return it in clear once."""
    now = utcnow()
    for old in db.session.scalars(select(PasswordToken).where(PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None))):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordToken(user_id=user.id, token_hash=_hash_token(token), expires_at=now + TOKEN_LIFETIME))
    db.session.commit()
    return token


def find_valid_token(token: str) -> PasswordToken | None:
    row = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _hash_token(token)))
    if row is None or row.used_at is not None or row.expires_at < utcnow():
        return None
    return row


def set_password_with_token(token: str, password: str) -> User:
    row = find_valid_token(token)
    if row is None:
        raise AccountError("Ce lien n'est plus valable. Demandez un nouveau lien à un administrateur.")
    _check_password_strength(password)
    row.user.password_hash = _hash_password(password)
    row.used_at = utcnow()
    db.session.commit()
    end_sessions(row.user)
    return row.user
