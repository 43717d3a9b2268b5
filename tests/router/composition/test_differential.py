"""Our composer against @apollo/composition on the fixture subgraph sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.composition import CompositionFailed, compose_from_config
from router.composition.config import load_config
from router.composition.equality import differences

FIXTURES = Path(__file__).parent / "fixtures"
COMPOSING = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("fail_"))
FAILING = {
    "fail_field_sharing": "INVALID_FIELD_SHARING",
    "fail_key_invalid_type": "KEY_FIELDS_SELECT_INVALID_TYPE",
    "fail_requires_external": "REQUIRES_FIELDS_MISSING_EXTERNAL",
    "fail_provides_external": "PROVIDES_FIELDS_MISSING_EXTERNAL",
    "fail_type_mismatch": "FIELD_TYPE_MISMATCH",
    "fail_unsatisfiable": "SATISFIABILITY_ERROR",
    "fail_unsatisfiable_key": "SATISFIABILITY_ERROR",
    "fail_interface_object": "INTERFACE_OBJECT_USAGE_ERROR",
    "fail_extension_no_base": "EXTENSION_WITH_NO_BASE",
    "fail_enum_mismatch": "ENUM_VALUE_MISMATCH",
    "fail_argument_mismatch": "FIELD_ARGUMENT_TYPE_MISMATCH",
    "fail_required_input_field": "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
    "fail_key_unknown_field": "KEY_INVALID_FIELDS",
    "fail_requires_unknown_field": "REQUIRES_INVALID_FIELDS",
    "fail_override_self": "OVERRIDE_FROM_SELF_ERROR",
    "fail_interface_field_no_implem": "INTERFACE_FIELD_NO_IMPLEM",
    "fail_default_mismatch": "FIELD_ARGUMENT_DEFAULT_MISMATCH",
    "fail_external_missing_on_base": "EXTERNAL_MISSING_ON_BASE",
    "fail_external_type_mismatch": "EXTERNAL_TYPE_MISMATCH",
    "fail_override_cycle": "OVERRIDE_SOURCE_HAS_OVERRIDE",
    "fail_type_kind_mismatch": "TYPE_KIND_MISMATCH",
}


def _subgraphs(name: str) -> list[dict]:
    return [{"name": s.name, "url": s.url, "sdl": s.sdl} for s in load_config(FIXTURES / name / "supergraph.yaml")]


@pytest.mark.node
@pytest.mark.parametrize("name", COMPOSING)
def test_same_supergraph_as_apollo(apollo, name: str) -> None:
    reference = apollo.compose(_subgraphs(name))
    assert "supergraph" in reference, reference
    ours = compose_from_config(FIXTURES / name / "supergraph.yaml")
    assert differences(ours, reference["supergraph"]) == []


@pytest.mark.node
@pytest.mark.parametrize("name", sorted(FAILING))
def test_fails_like_apollo(apollo, name: str) -> None:
    reference = apollo.compose(_subgraphs(name))
    assert FAILING[name] in {e["code"] for e in reference.get("errors", [])}, reference
    with pytest.raises(CompositionFailed) as failed:
        compose_from_config(FIXTURES / name / "supergraph.yaml")
    ours = {e.code for e in failed.value.errors}
    assert FAILING[name] in ours
    assert ours <= {e["code"] for e in reference["errors"]}  # no error Apollo would not also report


def test_fixture_sets_are_all_classified() -> None:
    failing = {p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name.startswith("fail_")}
    assert failing == set(FAILING)
    assert len(COMPOSING) >= 8
