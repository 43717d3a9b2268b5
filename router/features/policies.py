"""Ready-made @policy callables for router.yaml's `auth.policies` (name: "module:function").

A policy takes the Caller and returns a bool (or an awaitable bool); write your own the same way."""

from __future__ import annotations

from auth import scopes
from router.pipeline import Caller


def is_admin(caller: Caller) -> bool:
    return scopes.ADMIN in caller.scopes

