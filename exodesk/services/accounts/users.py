"""Local accounts, their roles, and who may do what.

Passwords are stored as argon2 hashes (argon2-cffi), never as text, and never reach the
audit trail (only a fingerprint of the hash does, see `password_fingerprint`). The
single-user rule keeps a one-person install as easy as before: while the database has never
had an account, everything is permitted for whoever runs ExoDesk. Once it has had one, every
write names an active account whose role carries the permission it needs, for good: emptying
the accounts table or deactivating every account outside ExoDesk does not open it to everyone
again, it refuses every write (see `accounts_exist`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from exodesk.models import AuditAction, AuditEvent, Role, User
from exodesk.models.enums import RecordKind
from exodesk.models.vocabulary import phrase
from exodesk.services.audit.trail import Change, utc_now, write_audit
from exodesk.services.errors import InvalidInput, NotFound, NotPermitted, Problem
from exodesk.services.facts import accounts_since, mark_accounts

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 200
HASHER = PasswordHasher()


class Permission(StrEnum):
    EDIT_CATALOGUE = "edit_catalogue"
    RECORD_TREATMENT = "record_treatment"
    OVERRIDE_BLOCK = "override_block"
    RECEIVE_STOCK = "receive_stock"
    ADJUST_STOCK = "adjust_stock"
    COUNT_STOCK = "count_stock"
    CLOSE_COUNT = "close_count"
    IMPORT = "import"
    MANAGE_USERS = "manage_users"
    RESTORE = "restore"
    VOID_TREATMENT = "void_treatment"  # any treatment
    VOID_OWN_TREATMENT = "void_own_treatment"  # a treatment one gave or recorded
    VOID_STOCK = "void_stock"  # lots and movements
    EDIT_SETTINGS = "edit_settings"
    EDIT_REGISTER = "edit_register"  # the clinic's rows of the register of notified bodies
    RECORD_CHECK = "record_check"  # a certificate checked against its issuer or a register
    OPEN_VIAL = "open_vial"  # reconstitute a vial, discard an open one


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.PRACTITIONER: frozenset(
        {
            Permission.RECORD_TREATMENT,
            Permission.OVERRIDE_BLOCK,
            Permission.VOID_OWN_TREATMENT,
            Permission.RECORD_CHECK,
            Permission.OPEN_VIAL,
        }
    ),
    Role.STOCK_MANAGER: frozenset(
        {
            Permission.RECEIVE_STOCK,
            Permission.ADJUST_STOCK,
            Permission.COUNT_STOCK,
            Permission.VOID_STOCK,
            Permission.OPEN_VIAL,
        }
    ),
    Role.AUDITOR: frozenset(
        {Permission.COUNT_STOCK, Permission.CLOSE_COUNT, Permission.RECORD_CHECK}
    ),
}

DOING = {
    Permission.EDIT_CATALOGUE: "editing products and documents",
    Permission.RECORD_TREATMENT: "recording a treatment",
    Permission.OVERRIDE_BLOCK: "overriding block findings",
    Permission.RECEIVE_STOCK: "receiving stock",
    Permission.ADJUST_STOCK: "adjusting stock (status, waste, moves)",
    Permission.COUNT_STOCK: "counting stock",
    Permission.CLOSE_COUNT: "closing a count",
    Permission.IMPORT: "importing a file",
    Permission.MANAGE_USERS: "managing user accounts",
    Permission.RESTORE: "restoring a backup over the database",
    Permission.VOID_TREATMENT: "voiding another practitioner's treatment",
    Permission.VOID_OWN_TREATMENT: "voiding a treatment",
    Permission.VOID_STOCK: "voiding a lot or a stock movement",
    Permission.EDIT_SETTINGS: "changing the clinic's settings",
    Permission.EDIT_REGISTER: "changing the register of notified bodies",
    Permission.RECORD_CHECK: "recording a check of a certificate",
    Permission.OPEN_VIAL: "reconstituting or discarding a vial",
}


class UnknownUser(NotFound):
    def __init__(self, name: str) -> None:
        super().__init__(f"no account named {name!r}")
        self.name = name


class WrongPassword(NotPermitted):
    """The account is active, but the password is not its password."""

    def __init__(self, name: str) -> None:
        super().__init__(f"wrong password for {name}")
        self.name = name


class NoActiveAccount(NotPermitted):
    """Nobody of this name may sign in: no account, or a deactivated one."""

    def __init__(self, name: str) -> None:
        super().__init__(f"no active account named {name}")
        self.name = name


class NobodyCanSignIn(NotPermitted):
    """The database has had accounts, but none is active now: nobody may write."""

    def __init__(self) -> None:
        super().__init__(
            "this database has had user accounts, but none of them is active now (they were "
            "removed or deactivated outside ExoDesk), so nobody can sign in: restore a backup "
            "that has the accounts"
        )


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    active: bool
    created_at: dt.datetime


def role_word(role: Role) -> str:
    """The role as a sentence names it: 'stock manager' (the words are in the vocabulary)."""
    return phrase(role)


def _with_article(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def allowed(role: Role | None, permission: Permission) -> bool:
    """Whether `role` carries `permission`; None (single-user, no accounts) carries all."""
    return role is None or permission in ROLE_PERMISSIONS[role]


def roles_for(permission: Permission) -> list[Role]:
    """The roles that carry `permission`, admin last."""
    return [r for r in Role if r is not Role.ADMIN and permission in ROLE_PERMISSIONS[r]] + [
        Role.ADMIN
    ]


def needs_text(permission: Permission) -> str:
    """'closing a count needs the auditor or admin role'"""
    words = [phrase(r) for r in roles_for(permission)]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    return f"{DOING[permission]} needs the {listed} role"


def _account(user: User) -> Account:
    return Account(user.name, Role(user.role), user.active, user.created_at)


def _user(session: Session, name: str) -> User | None:
    """The account named `name`, matched exactly, else ignoring case (names are unique
    ignoring case, so this is never ambiguous)."""
    user = session.scalars(select(User).where(User.name == name)).one_or_none()
    if user is None:
        user = session.scalars(select(User).where(func.lower(User.name) == name.lower())).first()
    return user


def accounts_exist(session: Session) -> bool:
    """True once the database has ever had an account, for good: its `accounts_since` fact
    is set (by `create_user`, or by migration 0006 for older databases), or an account row
    exists (active or not), or the audit trail records an account being made. Only while
    all three are missing does the single-user rule apply."""
    if accounts_since(session) is not None:
        return True
    if session.scalar(select(exists().where(User.id.is_not(None)))):
        return True
    made = exists().where(
        AuditEvent.record == RecordKind.USER.value, AuditEvent.action == AuditAction.CREATE
    )
    return bool(session.scalar(select(made)))


def active_accounts_exist(session: Session) -> bool:
    """Whether anyone can sign in."""
    return bool(session.scalar(select(exists().where(User.active.is_(True)))))


def refuse_if_nobody_can_sign_in(session: Session) -> None:
    """NobodyCanSignIn when the database has had accounts but none is active now."""
    if accounts_exist(session) and not active_accounts_exist(session):
        raise NobodyCanSignIn()


def list_users(session: Session) -> list[Account]:
    return [_account(u) for u in session.scalars(select(User).order_by(User.name))]


def get_user(session: Session, name: str) -> Account:
    user = _user(session, name)
    if user is None:
        raise UnknownUser(name)
    return _account(user)


def acting_role(session: Session, name: str | None) -> Role | None:
    """The role of `name`'s active account; None while the database has never had accounts
    (all allowed). NobodyCanSignIn when it has had them but none is active now."""
    if not accounts_exist(session):
        return None
    refuse_if_nobody_can_sign_in(session)
    user = None if name is None else _user(session, name)
    if user is None or not user.active:
        raise NotPermitted(_not_an_account(name))
    return Role(user.role)


def _not_an_account(name: str | None) -> str:
    if name is None:
        return "this database has user accounts: sign in as one of them"
    return f"{name} has no active account in this database; an admin can add one"


def require(session: Session, user_name: str | None, permission: Permission) -> None:
    """Raise NotPermitted unless `user_name` may do `permission` (always may while the
    database has never had accounts)."""
    role = acting_role(session, user_name)
    if role is None or permission in ROLE_PERMISSIONS[role]:
        return
    raise NotPermitted(f"{user_name} is {_with_article(phrase(role))}; {needs_text(permission)}")


# -- passwords ------------------------------------------------------------------------------


def password_fingerprint(password_hash: str) -> str:
    """A short SHA-256 of the stored hash, kept in the audit trail's password events so a
    replay of the trail can tell a hash edited outside ExoDesk (never the hash itself)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def _fp(password_hash: str) -> str:
    return "fp:" + password_fingerprint(password_hash)


def password_problems(password: str, field: str = "password") -> list[Problem]:
    if len(password) < MIN_PASSWORD_LENGTH:
        return [Problem(field, f"use at least {MIN_PASSWORD_LENGTH} characters")]
    if password != password.strip():
        return [Problem(field, "must not begin or end with a space")]
    return []


def _name_problems(session: Session, name: str) -> list[Problem]:
    if not name:
        return [Problem("name", "give the person's name (as they will sign in)")]
    if len(name) > MAX_NAME_LENGTH:
        return [Problem("name", f"at most {MAX_NAME_LENGTH} characters")]
    if session.scalar(select(User.id).where(func.lower(User.name) == name.lower())) is not None:
        return [Problem("name", f"an account named {name!r} already exists")]
    return []


def create_user(
    session: Session, name: str, role: Role | str, password: str, *, by: str | None
) -> Account:
    """Add an account. The first account must be an admin (someone must manage the others);
    after that only an admin may add accounts. A database that has had accounts never gets
    a "first" admin again: with none active, nobody may add one (NobodyCanSignIn)."""
    first = not accounts_exist(session)
    if not first:
        require(session, by, Permission.MANAGE_USERS)
    name = name.strip()
    errors = _name_problems(session, name)
    try:
        role = Role(role)
    except ValueError:
        errors.append(Problem("role", f"must be one of {', '.join(r.value for r in Role)}"))
    else:
        if first and role is not Role.ADMIN:
            errors.append(
                Problem("role", "the first account must be an admin, who can then add the others")
            )
    errors += password_problems(password)
    if errors:
        raise InvalidInput(errors)
    user = User(
        name=name,
        role=Role(role),
        password_hash=HASHER.hash(password),
        active=True,
        created_at=utc_now(),
    )
    session.add(user)
    session.flush()
    mark_accounts(session, user.created_at)
    new = {"name": name, "role": user.role.value, "password": _fp(user.password_hash)}
    write_audit(
        session,
        [Change("user", name, AuditAction.CREATE, new=new)],
        user=by or name,
        reason="account created" + (" (the first admin)" if first else ""),
    )
    return _account(user)


def authenticate(session: Session, name: str, password: str) -> Account | None:
    """The active account if `password` is right, else None. A hash made with older argon2
    settings is replaced by one made with today's (the caller's session writes it, with an
    audit event carrying the new hash's fingerprint)."""
    user = _user(session, name.strip())
    if user is None or not user.active or not user.password_hash:
        return None
    try:
        HASHER.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if HASHER.check_needs_rehash(user.password_hash):
        _new_hash(
            session,
            user,
            password,
            by=user.name,
            reason="password hash upgraded to today's settings",
        )
    return _account(user)


def _new_hash(session: Session, user: User, password: str, *, by: str, reason: str) -> None:
    """Store a fresh argon2 hash of `password`; the trail keeps both hashes' fingerprints."""
    old = user.password_hash
    user.password_hash = HASHER.hash(password)
    session.flush()
    change = Change(
        "user", user.name, AuditAction.UPDATE, "password", _fp(old), _fp(user.password_hash)
    )
    write_audit(session, [change], user=by, reason=reason)


def sign_in(session: Session, name: str, password: str) -> Account:
    """The active account named `name` if `password` is its password; else WrongPassword
    (the account is active) or NoActiveAccount. The caller's session writes an upgraded
    hash (see `authenticate`). This is the password check alone: signing in goes through
    `throttle.sign_in`, which counts and audits wrong passwords."""
    account = authenticate(session, name, password)
    if account is not None:
        return account
    user = _user(session, name.strip())
    if user is not None and user.active:
        raise WrongPassword(name)
    raise NoActiveAccount(name)


def set_password(session: Session, name: str, password: str, *, by: str | None) -> None:
    """Change `name`'s password: the person themself, or an admin."""
    if by != name:
        require(session, by, Permission.MANAGE_USERS)
    else:
        acting_role(session, by)
    user = _user(session, name)
    if user is None:
        raise UnknownUser(name)
    errors = password_problems(password)
    if errors:
        raise InvalidInput(errors)
    _new_hash(
        session,
        user,
        password,
        by=by or name,
        reason="password changed" + ("" if by == name else f" by {by}"),
    )


def deactivate(session: Session, name: str, *, by: str | None, reason: str = "") -> None:
    """The account can no longer sign in; it stays, so the audit trail keeps its meaning.
    The last active admin cannot be deactivated (nobody could manage accounts then)."""
    require(session, by, Permission.MANAGE_USERS)
    user = _user(session, name)
    if user is None:
        raise UnknownUser(name)
    if not user.active:
        raise InvalidInput([Problem("name", f"{name}'s account is already deactivated")])
    _refuse_last_admin(session, user, f"{name} is the last active admin; add another admin first")
    user.active = False
    session.flush()
    write_audit(
        session,
        [Change("user", name, AuditAction.UPDATE, field="active", old=True, new=False)],
        user=by,
        reason=reason.strip() or "account deactivated",
    )


def _refuse_last_admin(session: Session, user: User, message: str) -> None:
    """InvalidInput when `user` is the last active admin (nobody could manage accounts)."""
    if user.role is not Role.ADMIN or not user.active:
        return
    admins = session.scalar(
        select(func.count()).where(User.role == Role.ADMIN, User.active.is_(True))
    )
    if (admins or 0) <= 1:
        raise InvalidInput([Problem("name", message)])


def change_role(session: Session, name: str, role: Role | str, *, by: str | None) -> Account:
    """Give `name`'s account another role (an admin does). The last active admin keeps the
    admin role (nobody could manage accounts then)."""
    require(session, by, Permission.MANAGE_USERS)
    user = _user(session, name)
    if user is None:
        raise UnknownUser(name)
    try:
        new_role = Role(role)
    except ValueError:
        raise InvalidInput(
            [Problem("role", f"must be one of {', '.join(phrase(r) for r in Role)}")]
        ) from None
    old_role = Role(user.role)
    if new_role is old_role:
        raise InvalidInput(
            [Problem("role", f"{user.name} is already {_with_article(phrase(new_role))}")]
        )
    _refuse_last_admin(
        session,
        user,
        f"{user.name} is the last active admin and stays one; make another account an admin first",
    )
    user.role = new_role
    session.flush()
    write_audit(
        session,
        [
            Change(
                "user",
                user.name,
                AuditAction.UPDATE,
                field="role",
                old=old_role.value,
                new=new_role.value,
            )
        ],
        user=by,
        reason=f"role changed from {phrase(old_role)} to {phrase(new_role)}",
    )
    return _account(user)
