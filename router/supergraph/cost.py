"""@cost and @listSize (the cost spec, Apollo's demand control) as the supergraph applies them.

They arrive under the names the supergraph's @link gives them (`@cost`, an `import: [{as:}]`
rename, or `cost__listSize`), or wrapped in `@join__directive(name:, args:)`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    value_from_ast_untyped,
)

from router.supergraph.links import LinkImports

FIELDED = (ObjectTypeDefinitionNode, ObjectTypeExtensionNode, InterfaceTypeDefinitionNode,
           InterfaceTypeExtensionNode, InputObjectTypeDefinitionNode, InputObjectTypeExtensionNode)
LEAVES = (ScalarTypeDefinitionNode, ScalarTypeExtensionNode, EnumTypeDefinitionNode, EnumTypeExtensionNode)


@dataclass(frozen=True)
class ListSize:
    """@listSize on one field: how long the list it returns (or its sized fields) may be."""

    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: tuple[str, ...] = ()
    require_one_slicing_argument: bool = True


@dataclass
class CostDirectives:
    """Weights by coordinate: "Type", "Type.field", "Type.field(arg:)"; list sizes by "Type.field"."""

    weights: dict[str, int] = field(default_factory=dict)
    list_sizes: dict[str, ListSize] = field(default_factory=dict)


def _names(links: LinkImports) -> tuple[set[str], set[str]]:
    """Local names of @cost and @listSize: from the cost spec's link, and the canonical names that
    @join__directive carries."""
    cost, list_size = {"cost"}, {"listSize"}
    if "cost" in links.prefixes or "@cost" in links.imported or "@listSize" in links.imported:
        cost.add(links.directive("cost"))
        list_size.add(links.directive("cost", "listSize"))
    return cost, list_size


def _applied(node: Any, links: LinkImports) -> list[tuple[str, dict[str, Any]]]:
    """(local name, arguments) of each directive, @join__directive unwrapped to its name and args."""
    out = []
    join_directive = links.join_name("directive")
    for directive in getattr(node, "directives", None) or ():
        args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
        if directive.name.value == join_directive:
            out.append((str(args.get("name", "")).lstrip("@"), args.get("args") or {}))
        else:
            out.append((directive.name.value, args))
    return out


def _list_size(args: dict[str, Any]) -> ListSize:
    assumed = args.get("assumedSize")
    return ListSize(
        assumed_size=int(assumed) if assumed is not None else None,
        slicing_arguments=tuple(args.get("slicingArguments") or ()),
        sized_fields=tuple(args.get("sizedFields") or ()),
        require_one_slicing_argument=args.get("requireOneSlicingArgument", True) is not False,
    )


def read_cost_directives(document: DocumentNode, links: LinkImports) -> CostDirectives:
    cost_names, size_names = _names(links)
    found = CostDirectives()

    def read(node: Any, coordinate: str) -> None:
        for name, args in _applied(node, links):
            if name in cost_names and "weight" in args:
                found.weights[coordinate] = int(args["weight"])
            elif name in size_names:
                found.list_sizes[coordinate] = _list_size(args)

    for definition in document.definitions:
        if isinstance(definition, (*FIELDED, *LEAVES)):
            type_name = definition.name.value
            read(definition, type_name)
        if not isinstance(definition, FIELDED):
            continue
        for field_node in definition.fields or ():
            coordinate = f"{type_name}.{field_node.name.value}"
            read(field_node, coordinate)
            for argument in getattr(field_node, "arguments", None) or ():
                read(argument, f"{coordinate}({argument.name.value}:)")
    return found
