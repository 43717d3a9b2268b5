"""Resolvers bound to schema.graphql (ariadne, schema-first)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from ariadne import MutationType, ObjectType, QueryType, ScalarType
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLError, GraphQLResolveInfo
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from auth.passwords import hash_password_off_loop
from subgraphs.common.context import RequestContext
from subgraphs.common.db import as_utc
from subgraphs.common.errors import BAD_USER_INPUT, FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, at_most, graphql_error, parse_id
from subgraphs.users.loaders import Loaders
from subgraphs.users.models import Address, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
MIN_PASSWORD = 10
MAX_ADDRESSES = 10


Context = RequestContext[Loaders]


query = QueryType()
mutation = MutationType()
user_type = FederatedObjectType("User")
address_type = ObjectType("Address")
datetime_scalar = ScalarType("DateTime")

user_type.set_alias("createdAt", "created_at")
address_type.set_alias("postalCode", "postal_code")


def bad_input(message: str, field: str) -> GraphQLError:
    return graphql_error(message, BAD_USER_INPUT, field=field)


@datetime_scalar.serializer
def serialize_datetime(value: datetime) -> str:
    return as_utc(value).isoformat()


def _ctx(info: GraphQLResolveInfo) -> Context:
    return info.context


def _require_user(info: GraphQLResolveInfo) -> int:
    user_id = _ctx(info).identity.user_id
    if user_id is None:
        raise graphql_error("You must be signed in as a user.", UNAUTHENTICATED)
    return user_id


async def _load_user(info: GraphQLResolveInfo, value: Any) -> User | None:
    """A well-formed id of no user is null; a malformed one is the client's mistake."""
    return await _ctx(info).loaders.user_by_id.load(parse_id(value, "User"))


@query.field("me")
async def resolve_me(_: None, info: GraphQLResolveInfo) -> User | None:
    return await _ctx(info).loaders.user_by_id.load(_require_user(info))


@query.field("user")
async def resolve_user(_: None, info: GraphQLResolveInfo, id: str) -> User | None:
    return await _load_user(info, id)


@user_type.reference_resolver
async def resolve_user_reference(_: None, info: GraphQLResolveInfo, representation: dict) -> User | None:
    return await _load_user(info, representation.get("id"))


def _visible(user: User, info: GraphQLResolveInfo) -> None:
    """Email and addresses belong to their owner (and admins)."""
    identity = _ctx(info).identity
    if identity.user_id != user.id and not identity.is_admin:
        raise graphql_error("Only the user or an admin may see this field.", FORBIDDEN)


@user_type.field("email")
def resolve_email(user: User, info: GraphQLResolveInfo) -> str:
    _visible(user, info)
    return user.email


@user_type.field("addresses")
async def resolve_addresses(user: User, info: GraphQLResolveInfo) -> list[Address]:
    _visible(user, info)
    return await _ctx(info).loaders.addresses_by_user.load(user.id)


def _clean_register(data: dict) -> tuple[str, str, str]:
    name, email, password = data["name"].strip(), data["email"].strip().lower(), data["password"]
    if not name:
        raise bad_input("Name must not be empty.", "name")
    if len(email) > 320 or not EMAIL.match(email):
        raise bad_input(f"{data['email']!r} is not a valid email address.", "email")
    if len(password) < MIN_PASSWORD:
        raise bad_input(f"Password must be at least {MIN_PASSWORD} characters.", "password")
    return name, email, password


@mutation.field("register")
async def resolve_register(_: None, info: GraphQLResolveInfo, input: dict) -> User:
    name, email, password = _clean_register(input)
    async with _ctx(info).db.session() as session:
        if await session.scalar(select(func.count()).select_from(User).where(User.email == email)):
            raise bad_input("An account with this email already exists.", "email")
        user = User(name=name, email=email, password_hash=await hash_password_off_loop(password), admin=False,
                    created_at=datetime.now(timezone.utc))
        session.add(user)
        try:
            await session.commit()
        except IntegrityError as exc:  # a concurrent registration won the race
            raise bad_input("An account with this email already exists.", "email") from exc
    return user


def _clean_address(data: dict, index: int) -> Address:
    where = f"addresses[{index}]"
    values = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
    for key in ("line1", "city", "postalCode"):
        if not values.get(key):
            raise bad_input(f"{where}.{key} must not be empty.", f"{where}.{key}")
    country = values["country"].upper()
    if not COUNTRY.match(country):
        raise bad_input(f"{where}.country must be an ISO 3166-1 alpha-2 code like 'GB'.", f"{where}.country")
    return Address(line1=values["line1"], line2=values.get("line2") or None, city=values["city"],
                   postal_code=values["postalCode"], country=country)


@mutation.field("updateProfile")
async def resolve_update_profile(_: None, info: GraphQLResolveInfo, input: dict) -> User:
    user_id = _require_user(info)
    name = input.get("name")
    if name is not None and not name.strip():
        raise bad_input("Name must not be empty.", "name")
    addresses = input.get("addresses")
    at_most(addresses, MAX_ADDRESSES, "addresses")
    cleaned = [_clean_address(a, i) for i, a in enumerate(addresses)] if addresses is not None else None
    async with _ctx(info).db.session() as session, session.begin():
        user = await session.get(User, user_id)
        if user is None:
            raise graphql_error("The signed-in user no longer exists.", NOT_FOUND)
        if name is not None:
            user.name = name.strip()
        if cleaned is not None:
            await session.execute(delete(Address).where(Address.user_id == user_id))
            for address in cleaned:
                address.user_id = user_id
            session.add_all(cleaned)
    _ctx(info).loaders.addresses_by_user.clear(user_id)
    return user


bindables = [query, mutation, user_type, address_type, datetime_scalar]
