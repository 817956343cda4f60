"""Users, roles and API keys: who may call the API and what each role may do.

Keys are 256 random bits (``lq_`` + 43 URL-safe characters), shown once and stored as their
SHA-256. A slow password hash (bcrypt, argon2) is not needed: it protects *low-entropy* secrets
against guessing, while a 256-bit random key cannot be guessed from its hash, and a fast hash keeps
every request's check to one indexed lookup.

Roles and what they may do (``PERMISSIONS``): ``viewer`` reads; ``sales`` reads, records
feedback, BANT answers and accept/reject, and signs contracts for sales; ``marketing`` reads,
writes events, proposes contracts and signs them for marketing; ``admin`` may do everything,
users and keys included. Whether a contract may be activated (a marketing *and* a sales
approval) is for the contract services to decide, not for the role check.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from leadqual.errors import Conflict, InvalidInput, LeadqualError, NotFound
from leadqual.ingest.fields import closest
from leadqual.store.database import Store
from leadqual.store.tables_auth import ApiKey, User

__all__ = [
    "PERMISSIONS",
    "ROLES",
    "ApiKeyInfo",
    "Forbidden",
    "NewApiKey",
    "Principal",
    "Unauthorized",
    "UserInfo",
    "add_user",
    "allowed",
    "authenticate",
    "authorize",
    "create_key",
    "create_role_key",
    "hash_key",
    "list_keys",
    "list_users",
    "revoke_key",
]

ROLES = ("admin", "marketing", "sales", "viewer")

PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset(ROLES),
    "feedback": frozenset({"admin", "sales"}),
    "events.write": frozenset({"admin", "marketing"}),
    "contract.propose": frozenset({"admin", "marketing"}),
    "contract.approve": frozenset({"admin", "marketing", "sales"}),
    "admin": frozenset({"admin"}),
}

KEY_PREFIX = "lq_"
_PREFIX_CHARS = 10  # "lq_" and 7 characters: enough to tell keys apart, far too few to guess one


class Unauthorized(LeadqualError):
    """No key, or a key that is unknown or revoked."""

    exit_code = 5
    http_status = 401
    code = "unauthorized"


class Forbidden(LeadqualError):
    """A valid key whose role may not do this."""

    exit_code = 6
    http_status = 403
    code = "forbidden"


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user's name and role."""

    user: str
    role: str


@dataclass(frozen=True)
class UserInfo:
    name: str
    role: str
    created_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "created_at": self.created_at}


@dataclass(frozen=True)
class ApiKeyInfo:
    """A stored key, without its secret."""

    id: int
    prefix: str
    user: str
    role: str
    created_at: datetime
    revoked_at: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "prefix": self.prefix,
            "user": self.user,
            "role": self.role,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "active": self.revoked_at is None,
        }


@dataclass(frozen=True)
class NewApiKey:
    """A key just created: ``key`` is the only time its text exists outside the caller."""

    key: str
    info: ApiKeyInfo

    def as_json(self) -> dict[str, Any]:
        return {"key": self.key, **self.info.as_json()}


def hash_key(key: str) -> str:
    """The stored form of a key.

    >>> hash_key("lq_x")[:12]
    '9a0d444b2fb8'
    """
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _check_role(role: str) -> None:
    if role not in ROLES:
        near = closest(role, ROLES)
        tip = f"did you mean {near!r}? " if near else ""
        raise InvalidInput(
            f"unknown role {role!r}; {tip}roles are {', '.join(ROLES)}", field="role"
        )


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 255:
        raise InvalidInput("a user name must have 1 to 255 characters", field="name")
    return name


def add_user(store: Store, name: str, *, role: str, now: datetime) -> UserInfo:
    """Add a user with a role (``Conflict`` when the name is taken).

    >>> # add_user(store, "ana", role="marketing", now=datetime(2026, 3, 1))
    """
    name = _check_name(name)
    _check_role(role)
    try:
        with store.session() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise Conflict(f"there is already a user {name!r}", field="name")
            s.add(User(name=name, role=role, created_at=now))
    except IntegrityError as exc:
        raise Conflict(f"there is already a user {name!r}", field="name") from exc
    return UserInfo(name=name, role=role, created_at=now)


def list_users(store: Store) -> list[UserInfo]:
    """Every user, by name."""
    with store.session() as s:
        rows = s.scalars(select(User).order_by(User.name)).all()
        return [UserInfo(name=r.name, role=r.role, created_at=r.created_at) for r in rows]


def create_key(store: Store, user: str, *, now: datetime) -> NewApiKey:
    """A new key for ``user``; its text is returned once and only its hash is stored.

    >>> # new = create_key(store, "ana", now=now); print(new.key)
    """
    with store.session() as s:
        row = s.scalars(select(User).where(User.name == user)).first()
        if row is None:
            raise NotFound(
                f"there is no user {user!r}; add one with `leadqual users add {user} --role ROLE`, "
                f"or make both at once with `leadqual keys create --role ROLE --name {user}`",
                field="user",
            )
        return _new_key(s, row, now)


def _new_key(s: Session, user: User, now: datetime) -> NewApiKey:
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    key_row = ApiKey(
        user_id=user.id, prefix=key[:_PREFIX_CHARS], key_hash=hash_key(key), created_at=now
    )
    s.add(key_row)
    s.flush()
    info = ApiKeyInfo(
        id=key_row.id,
        prefix=key_row.prefix,
        user=user.name,
        role=user.role,
        created_at=now,
        revoked_at=None,
    )
    return NewApiKey(key=key, info=info)


def create_role_key(
    store: Store, *, role: str, name: str | None = None, now: datetime
) -> NewApiKey:
    """A new key with ``role`` (`leadqual keys create --role ROLE [--name N]`): for user ``name``,
    who is added with that role when there is no such user yet (a user who has another role is
    refused, so a key never silently gets more or less than asked); without ``name``, for a new
    service user ``ROLE-key-N``. User and key are stored in one transaction.

    >>> # create_role_key(store, role="sales", name="crm-sync", now=now).info.user
    """
    _check_role(role)
    if name is not None:
        name = _check_name(name)
    try:
        with store.session() as s:
            if name is None:
                taken = set(s.scalars(select(User.name).where(User.name.like(f"{role}-key-%"))))
                name = next(
                    f"{role}-key-{n}"
                    for n in range(1, len(taken) + 2)
                    if f"{role}-key-{n}" not in taken
                )
            row = s.scalars(select(User).where(User.name == name)).first()
            if row is None:
                row = User(name=name, role=role, created_at=now)
                s.add(row)
                s.flush()
            elif row.role != role:
                raise Conflict(
                    f"user {name!r} has the role {row.role!r}, not {role!r}; leave out --role to "
                    f"give them a key as {row.role}, or pick another --name",
                    field="role",
                )
            return _new_key(s, row, now)
    except IntegrityError as exc:
        raise Conflict(
            f"user {name!r} was added at the same time; try again", field="name"
        ) from exc


def list_keys(store: Store) -> list[ApiKeyInfo]:
    """Every key (revoked ones too), oldest first, without secrets."""
    stmt = select(ApiKey, User).join(User, User.id == ApiKey.user_id).order_by(ApiKey.id)
    with store.session() as s:
        return [
            ApiKeyInfo(
                id=k.id,
                prefix=k.prefix,
                user=u.name,
                role=u.role,
                created_at=k.created_at,
                revoked_at=k.revoked_at,
            )
            for k, u in s.execute(stmt).all()
        ]


def revoke_key(store: Store, key_id: int, *, now: datetime) -> ApiKeyInfo:
    """Revoke key ``key_id`` (revoking a revoked key changes nothing)."""
    with store.session() as s:
        found = s.execute(
            select(ApiKey, User).join(User, User.id == ApiKey.user_id).where(ApiKey.id == key_id)
        ).first()
        if found is None:
            raise NotFound(
                f"there is no API key {key_id}; `leadqual keys list` shows them", field="id"
            )
        key, user = found
        if key.revoked_at is None:
            key.revoked_at = now
        return ApiKeyInfo(
            id=key.id,
            prefix=key.prefix,
            user=user.name,
            role=user.role,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


def authenticate(store: Store, key: str | None) -> Principal:
    """The user a key belongs to (``Unauthorized`` for no key, an unknown or a revoked one)."""
    if not key:
        raise Unauthorized(
            "no API key: send it as `Authorization: Bearer KEY` or `X-API-Key: KEY` "
            "(`leadqual keys create --role ROLE` makes one)"
        )
    stmt = (
        select(User.name, User.role)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None))
    )
    with store.session() as s:
        row = s.execute(stmt).first()
    if row is None:
        raise Unauthorized("this API key is unknown or revoked; ask an admin for a new one")
    return Principal(user=row[0], role=row[1])


def allowed(role: str, permission: str) -> bool:
    """Whether ``role`` has ``permission``.

    >>> allowed("sales", "feedback"), allowed("viewer", "feedback")
    (True, False)
    """
    return role in PERMISSIONS[permission]


def authorize(principal: Principal, permission: str) -> None:
    """Raise ``Forbidden`` unless the principal's role has ``permission``."""
    if not allowed(principal.role, permission):
        roles = ", ".join(r for r in ROLES if allowed(r, permission))
        raise Forbidden(
            f"user {principal.user!r} ({principal.role}) may not do this; it needs one of the "
            f"roles {roles}"
        )
