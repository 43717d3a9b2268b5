"""The authorize stage: @authenticated, @requiresScopes and @policy from the supergraph.

Fields the caller may not see are pruned from the operation before planning, so no subgraph is
asked for them; the shaper then answers each with null and an UNAUTHORIZED error at its path."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import (
    REMOVE,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NameNode,
    OperationDefinitionNode,
    SelectionSetNode,
    Visitor,
    get_named_type,
    visit,
)

from router.pipeline import Caller, Denials, RouterRequest, Stage
from router.supergraph.model import SupergraphModel
from router.supergraph.reading import directives_named

log = logging.getLogger("graft.authorization")
Policy = Callable[[Caller], Any]  # returns bool or an awaitable bool


class PolicyError(Exception):
    """A policy named in router.yaml cannot be imported."""


@dataclass(frozen=True)
class Requirement:
    """All of: a token, one full set out of `scopes`, one full set out of `policies`."""

    authenticated: bool = False
    scopes: tuple[frozenset[str], ...] = ()
    policies: tuple[frozenset[str], ...] = ()

    def __and__(self, other: Requirement | None) -> Requirement:
        if other is None:
            return self
        return Requirement(self.authenticated or other.authenticated, _both(self.scopes, other.scopes),
                           _both(self.policies, other.policies))

    def key(self) -> str:
        """The same text in every process for the same requirement (plan cache keys hold it)."""
        return orjson.dumps([self.authenticated, sorted(sorted(s) for s in self.scopes),
                             sorted(sorted(p) for p in self.policies)]).decode()

    def describe(self) -> str:
        parts = ["authentication"] if self.authenticated else []
        parts += [" or ".join(" and ".join(sorted(s)) for s in self.scopes) + " scope"] if self.scopes else []
        parts += [" or ".join(" and ".join(sorted(p)) for p in self.policies) + " policy"] if self.policies else []
        return ", ".join(parts)


def _both(a: tuple[frozenset[str], ...], b: tuple[frozenset[str], ...]) -> tuple[frozenset[str], ...]:
    """(a1 or a2) and (b1 or b2) = (a1∪b1) or (a1∪b2) or ..."""
    if not a or not b:
        return a or b
    return tuple(dict.fromkeys(x | y for x in a for y in b))


def _and(a: Requirement | None, b: Requirement | None) -> Requirement | None:
    return b if a is None else a & b


@dataclass(frozen=True)
class Guard:
    """A field of the operation that has a requirement (its own, its type's, or a fragment's)."""

    node: FieldNode
    coordinate: str
    requirement: Requirement


class AuthorizationRules:
    """What the supergraph requires, per type and per field coordinate ("Type.field")."""

    def __init__(self, types: dict[str, Requirement], fields: dict[str, Requirement]) -> None:
        self.types = types
        self.fields = fields

    def __bool__(self) -> bool:
        return bool(self.types or self.fields)

    @classmethod
    def from_supergraph(cls, model: SupergraphModel) -> AuthorizationRules:
        specs = ("authenticated", "requiresScopes", "policy")
        names: dict[str, str] = {spec: model.links.directive(spec) for spec in specs if spec in model.links.prefixes}
        types: dict[str, Requirement] = {}
        fields: dict[str, Requirement] = {}
        for type_ in model.schema.type_map.values():
            if type_.name.startswith("__"):
                continue
            nodes = [type_.ast_node, *(type_.extension_ast_nodes or ())]
            if requirement := _read(names, nodes):
                types[type_.name] = requirement
            for name, field in (getattr(type_, "fields", None) or {}).items():
                if isinstance(type_, (GraphQLObjectType, GraphQLInterfaceType)) and (r := _read(names, [field.ast_node])):
                    fields[f"{type_.name}.{name}"] = r
        _spread_to_interfaces(model.schema, fields)
        return cls(types, fields)

    def guards(self, schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode) -> list[Guard]:
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        root = schema.get_root_type(operation.operation)
        found: list[Guard] = []
        if root is not None:
            self._walk(schema, fragments, operation.selection_set, root, None, found, frozenset())
        return found

    def _walk(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], selection_set: SelectionSetNode,
              parent: Any, inherited: Requirement | None, found: list[Guard], visiting: frozenset[str]) -> None:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                self._field(schema, fragments, selection, parent, inherited, found, visiting)
            elif isinstance(selection, InlineFragmentNode):
                target = _condition(schema, selection.type_condition.name.value) if selection.type_condition else parent
                self._walk(schema, fragments, selection.selection_set, target, _and(inherited, self.types.get(target.name)),
                           found, visiting)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in visiting:
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    target = _condition(schema, fragment.type_condition.name.value)
                    self._walk(schema, fragments, fragment.selection_set, target,
                               _and(inherited, self.types.get(target.name)), found, visiting | {fragment.name.value})

    def _field(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], node: FieldNode, parent: Any,
               inherited: Requirement | None, found: list[Guard], visiting: frozenset[str]) -> None:
        name = node.name.value
        definition = getattr(parent, "fields", {}).get(name) if not name.startswith("__") else None
        if definition is None:
            return
        returned = get_named_type(definition.type)
        coordinate = f"{parent.name}.{name}"
        requirement = _and(_and(inherited, self.fields.get(coordinate)), self.types.get(returned.name))
        if requirement is not None:
            found.append(Guard(node, coordinate, requirement))
        if node.selection_set is not None:
            self._walk(schema, fragments, node.selection_set, returned, None, found, visiting)


def _condition(schema: GraphQLSchema, name: str) -> GraphQLNamedType:
    """A type condition's type: validation has checked that it exists."""
    found = schema.get_type(name)
    assert found is not None, f"validated document names an unknown type {name}"
    return found


def _read(names: Mapping[str, str], nodes: Iterable[Any]) -> Requirement | None:
    requirement: Requirement | None = None
    for node in nodes:
        if node is None:
            continue
        if "authenticated" in names and directives_named(node, names["authenticated"]):
            requirement = _and(requirement, Requirement(authenticated=True))
        for args in directives_named(node, names.get("requiresScopes", "")) if "requiresScopes" in names else ():
            requirement = _and(requirement, Requirement(scopes=tuple(frozenset(s) for s in args.get("scopes") or ())))
        for args in directives_named(node, names.get("policy", "")) if "policy" in names else ():
            requirement = _and(requirement, Requirement(policies=tuple(frozenset(p) for p in args.get("policies") or ())))
    return requirement


def _spread_to_interfaces(schema: GraphQLSchema, fields: dict[str, Requirement]) -> None:
    """An interface field asks for what every implementation's field asks for."""
    for type_ in schema.type_map.values():
        if not isinstance(type_, GraphQLInterfaceType):
            continue
        for name in type_.fields:
            for implementation in schema.get_possible_types(type_):
                fields_requirement = fields.get(f"{implementation.name}.{name}")
                if fields_requirement is not None:
                    key = f"{type_.name}.{name}"
                    fields[key] = _and(fields.get(key), fields_requirement)  # type: ignore[assignment]


class Authorizer:
    def __init__(self, rules: AuthorizationRules, policies: dict[str, Policy] | None = None) -> None:
        self.rules = rules
        self.policies = policies or {}
        self._unknown_logged: set[str] = set()

    async def denials(self, guards: list[Guard], caller: Caller) -> Denials:
        verdicts: dict[Requirement, bool] = {}
        messages: dict[int, str] = {}
        for guard in guards:
            if guard.requirement not in verdicts:
                verdicts[guard.requirement] = await self.allows(guard.requirement, caller)
            if not verdicts[guard.requirement]:
                messages[id(guard.node)] = (f"Unauthorized field or type: {guard.coordinate} requires "
                                            f"{guard.requirement.describe()}.")
        return Denials(messages, frozenset(r.key() for r, ok in verdicts.items() if not ok))

    async def allows(self, requirement: Requirement, caller: Caller) -> bool:
        if (requirement.authenticated or requirement.scopes) and caller.claims is None:
            return False
        if requirement.scopes and not any(needed <= caller.scopes for needed in requirement.scopes):
            return False
        for alternative in requirement.policies or ((),):
            if all([await self._policy(name, caller) for name in alternative]):
                return True
        return False

    async def _policy(self, name: str, caller: Caller) -> bool:
        policy = self.policies.get(name)
        if policy is None:
            if name not in self._unknown_logged:
                log.warning("@policy %r has no callable in router.yaml auth.policies; it denies everyone", name)
                self._unknown_logged.add(name)
            return False
        verdict = policy(caller)
        if inspect.isawaitable(verdict):
            verdict = await verdict
        return verdict is True


def authorize_stage(authorizer: Authorizer, schema: GraphQLSchema) -> Stage:
    """Which fields this caller may not see; the plan stage prunes them, the shaper answers them."""

    async def authorize(request: RouterRequest) -> None:
        prepared = request.prepared()
        guards = authorizer.rules.guards(schema, prepared.document, prepared.operation)
        if guards:
            request.denials = await authorizer.denials(guards, request.caller)

    return Stage("authorize", authorize)


def prune(document: DocumentNode, denials: Denials) -> DocumentNode:
    """The operation without the denied fields; a selection set left empty asks for __typename."""

    class Pruner(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> Any:
            return REMOVE if id(node) in denials.messages else None

        def leave_selection_set(self, node: SelectionSetNode, *_: Any) -> Any:
            if node.selections:
                return None
            return SelectionSetNode(selections=(FieldNode(name=NameNode(value="__typename")),))

    return visit(document, Pruner())


def load_policies(paths: dict[str, str]) -> dict[str, Policy]:
    """router.yaml's `auth.policies`: policy name → "package.module:function"."""
    policies: dict[str, Policy] = {}
    for name, target in paths.items():
        module_name, _, attribute = target.partition(":")
        try:
            policy = getattr(importlib.import_module(module_name), attribute)
        except (ImportError, AttributeError, ValueError) as exc:
            raise PolicyError(f"auth.policies.{name}: cannot import {target!r} ({exc})") from exc
        if not callable(policy):
            raise PolicyError(f"auth.policies.{name}: {target!r} is not callable")
        policies[name] = policy
    return policies
