import importlib
import re

import pytest

from auth import scopes

REQUIRES_SCOPES = re.compile(r"@requiresScopes\(scopes: (\[.*?\]\])\)")


@pytest.mark.parametrize("name", ["catalog", "orders", "users", "payments"])
def test_every_scope_a_schema_requires_is_one_tokens_carry(name):
    """Schema-first SDL spells scopes as text: each must be a name from auth.scopes."""
    sdl = importlib.import_module(f"subgraphs.{name}.service").sdl()
    named = {scope for group in REQUIRES_SCOPES.findall(sdl) for scope in re.findall(r'"([^"]+)"', group)}
    assert named <= set(scopes.ALL)
