"""Resolvers bound to schema.graphql (ariadne, schema-first)."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from ariadne import MutationType, ObjectType, QueryType, ScalarType
from ariadne.contrib.federation import FederatedObjectType
from graphql import GraphQLResolveInfo
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from auth.passwords import hash_password
from subgraphs.common.db import Database, as_utc
from subgraphs.common.errors import CONFLICT, FORBIDDEN, NOT_FOUND, UNAUTHENTICATED, graphql_error, parse_id
from subgraphs.common.identity import Identity
from subgraphs.users import models
from subgraphs.users.loaders import Loaders

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 10


@dataclass
class Context:
    request: web.Request
    db: Database
    loaders: Loaders
    identity: Identity


query = QueryType()
mutation = MutationType()
user = FederatedObjectType("User")
user.set_alias("createdAt", "created_at")
address = ObjectType("Address")
address.set_alias("postalCode", "postal_code")
datetime_scalar = ScalarType("DateTime")


@datetime_scalar.serializer
def serialize_datetime(value: datetime) -> str:
    return as_utc(value).isoformat()


def _context(info: GraphQLResolveInfo) -> Context:
    return info.context


@query.field("me")
async def resolve_me(_: Any, info: GraphQLResolveInfo) -> models.User | None:
    identity = _context(info).identity
    if identity.user_id is None:
        raise graphql_error("Sign in to see your profile", UNAUTHENTICATED)
    return await _context(info).loaders.user_by_id.load(identity.user_id)


@query.field("user")
async def resolve_user(_: Any, info: GraphQLResolveInfo, id: str) -> models.User | None:
    return await _context(info).loaders.user_by_id.load(parse_id(id, "User"))


@user.reference_resolver
async def resolve_user_reference(_: Any, info: GraphQLResolveInfo, representation: dict) -> models.User | None:
    return await _context(info).loaders.user_by_id.load(parse_id(representation["id"], "User"))


def _private(info: GraphQLResolveInfo, owner: models.User) -> None:
    identity = _context(info).identity
    if identity.user_id != owner.id and not identity.is_admin:
        raise graphql_error("Only the user themself or an admin may see this", FORBIDDEN)


@user.field("email")
def resolve_email(owner: models.User, info: GraphQLResolveInfo) -> str:
    _private(info, owner)
    return owner.email


@user.field("addresses")
async def resolve_addresses(owner: models.User, info: GraphQLResolveInfo) -> list[models.Address]:
    _private(info, owner)
    return await _context(info).loaders.addresses_by_user.load(owner.id)


def _clean_name(name: str) -> str:
    if not name.strip() or len(name) > 200:
        raise graphql_error("Name must be 1 to 200 characters")
    return name.strip()


@mutation.field("register")
async def resolve_register(_: Any, info: GraphQLResolveInfo, input: dict) -> models.User:
    email = input["email"].strip().lower()
    if not EMAIL.match(email) or len(email) > 320:
        raise graphql_error(f"{input['email']!r} is not a valid email address")
    if len(input["password"]) < MIN_PASSWORD:
        raise graphql_error(f"Password must be at least {MIN_PASSWORD} characters")
    row = models.User(name=_clean_name(input["name"]), email=email,
                      password_hash=await asyncio.to_thread(hash_password, input["password"]))
    try:
        async with _context(info).db.session() as session, session.begin():
            session.add(row)
    except IntegrityError:
        raise graphql_error(f"An account with {email} already exists", CONFLICT) from None
    return row


def _address(user_id: int, value: dict) -> models.Address:
    country = value["country"].strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise graphql_error(f"Country must be a two-letter ISO code, got {value['country']!r}")
    for name in ("line1", "city", "postalCode"):
        if not value[name].strip():
            raise graphql_error(f"Address {name} must not be empty")
    return models.Address(user_id=user_id, line1=value["line1"].strip(), line2=value.get("line2"),
                          city=value["city"].strip(), postal_code=value["postalCode"].strip(), country=country)


@mutation.field("updateProfile")
async def resolve_update_profile(_: Any, info: GraphQLResolveInfo, input: dict) -> models.User:
    user_id = _context(info).identity.user_id
    if user_id is None:
        raise graphql_error("Sign in to update your profile", UNAUTHENTICATED)
    name = _clean_name(input["name"]) if input.get("name") is not None else None
    addresses = [_address(user_id, a) for a in input["addresses"]] if input.get("addresses") is not None else None
    async with _context(info).db.session() as session, session.begin():
        row = await session.get(models.User, user_id)
        if row is None:
            raise graphql_error(f"Unknown user {user_id}", NOT_FOUND)
        if name is not None:
            row.name = name
        if addresses is not None:
            await session.execute(delete(models.Address).where(models.Address.user_id == user_id))
            session.add_all(addresses)
    return row


bindables = [query, mutation, user, address, datetime_scalar]
