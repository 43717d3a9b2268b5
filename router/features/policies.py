"""Ready-made @policy callables for router.yaml's `auth.policies` (name: "module:function").

A policy takes the Caller and returns a bool (or an awaitable bool); write your own the same way."""

from __future__ import annotations

from auth import scopes
from router.features.caller import Caller


def is_admin(caller: Caller) -> bool:
    return scopes.ADMIN in caller.scopes


def is_partner(caller: Caller) -> bool:
    return caller.claims is not None and caller.claims.kind == "client"
