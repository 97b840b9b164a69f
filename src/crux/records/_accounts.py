"""Clinics, their users, and signing in with expiring bearer tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crux.records import _audit
from crux.records._access import Actor, new_token, token_hash
from crux.records._errors import Conflict, Invalid, NotFound, Unauthorised
from crux.records._passwords import hash_password, verify_password, waste_time
from crux.records._shapes import ClinicOut, SignedIn, UserIn, UserOut
from crux.records._tables import Clinic, Token, User, now

TOKEN_HOURS = 8.0


def _user_out(user: User) -> UserOut:
    return UserOut.model_validate(user, from_attributes=True)


def _add_user(db: Session, clinic_id: int, new: UserIn) -> User:
    email = new.email.lower()
    # an email signs in to one account, so it is unique across clinics (the refusal says
    # the email is taken, never by which clinic)
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"the email {email} is already taken; choose another", field="email")
    user = User(clinic_id=clinic_id, email=email, name=new.name, role=new.role,
                password_hash=hash_password(new.password))
    db.add(user)
    try:
        db.flush()
    except IntegrityError:  # the same email added at the same moment
        raise Conflict(f"the email {email} is already taken; choose another",
                       field="email") from None
    return user


def create_clinic(db: Session, name: str, admin: UserIn) -> tuple[ClinicOut, UserOut]:
    """A new clinic and its first admin (from the command line: ``crux clinic create``)."""
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise Invalid("a clinic's name has 1 to 200 characters", field="name")
    if name == SELF_CARE:
        raise Invalid("that name is kept for people's own records; choose another",
                      field="name")
    if admin.role != "admin":
        raise Invalid("a clinic's first user is its admin", field="role")
    clinic = Clinic(name=name)
    db.add(clinic)
    db.flush()
    user = _add_user(db, clinic.id, admin)
    _audit.record(db, Actor(clinic.id, "system"), "create", "clinic", clinic.id)
    return ClinicOut(id=clinic.id, name=clinic.name), _user_out(user)


SELF_CARE = "Crux self-care (no clinic)"


def self_care_clinic(db: Session) -> int:
    """The clinic that holds the records people keep for themselves from the web app
    (reached only through each person's own link; it has no users)."""
    found = db.scalar(select(Clinic.id).where(Clinic.name == SELF_CARE).order_by(Clinic.id))
    if found is not None:
        return found
    clinic = Clinic(name=SELF_CARE)
    db.add(clinic)
    db.flush()
    return clinic.id


def clinics_exist(db: Session) -> bool:
    """Whether any clinic (other than the one for people's own records) exists."""
    return db.scalar(select(Clinic.id).where(Clinic.name != SELF_CARE).limit(1)) is not None


def add_user(db: Session, actor: Actor, new: UserIn) -> UserOut:
    actor.must_be_admin()
    clinic = db.get(Clinic, actor.clinic_id)
    if clinic is None:
        raise NotFound(f"no clinic {actor.clinic_id}", field="clinic")
    if clinic.name == SELF_CARE:
        raise Invalid("people's own records have no users", field="clinic")
    user = _add_user(db, actor.clinic_id, new)
    _audit.record(db, actor, "create", "user", user.id)
    return _user_out(user)


def list_users(db: Session, actor: Actor) -> list[UserOut]:
    actor.must_be_admin()
    users = db.scalars(select(User).where(User.clinic_id == actor.clinic_id).order_by(User.id))
    return [_user_out(u) for u in users]


def me(db: Session, actor: Actor) -> UserOut:
    actor.must_be_user()
    user = db.get(User, actor.id)
    if user is None:
        raise Unauthorised("the user no longer exists")
    return _user_out(user)


def sign_in(db: Session, email: str, password: str, hours: float = TOKEN_HOURS) -> SignedIn:
    """A bearer token for a user's email and password, valid for ``hours``."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        waste_time(password)
        raise Unauthorised("wrong email or password")
    if not verify_password(user.password_hash, password) or not user.active:
        raise Unauthorised("wrong email or password")
    token = new_token()
    expires = now() + timedelta(hours=hours)
    db.add(Token(user_id=user.id, token_hash=token_hash(token), expires_at=expires))
    _audit.record(db, _actor(user), "sign_in", "user", user.id)
    return SignedIn(token=token, expires_at=expires, user=_user_out(user))


def _actor(user: User) -> Actor:
    return Actor(user.clinic_id, "user", user.id, user.role)


def actor_for_token(db: Session, token: str, at: datetime | None = None) -> Actor:
    """The signed-in user a bearer token stands for; Unauthorised when it is unknown,
    expired or revoked, or the user was deactivated."""
    row = db.scalar(select(Token).where(Token.token_hash == token_hash(token)))
    if row is None or row.revoked or row.expires_at <= (at or now()):
        raise Unauthorised("sign in again: the token is unknown, expired or revoked")
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        raise Unauthorised("sign in again: the user is no longer active")
    return _actor(user)


def sign_out(db: Session, token: str) -> None:
    row = db.scalar(select(Token).where(Token.token_hash == token_hash(token)))
    if row is not None:
        row.revoked = True
