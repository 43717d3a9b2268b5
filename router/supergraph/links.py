"""@link on the schema: which specs a supergraph uses and under which local names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graphql import DocumentNode, SchemaDefinitionNode, SchemaExtensionNode, value_from_ast_untyped

SPEC = re.compile(r"^https://specs\.apollo\.dev/(?P<name>[a-zA-Z]+)/v(?P<version>\d+\.\d+)$")


@dataclass
class LinkImports:
    """Local prefix per spec (e.g. join → "join") and renamed imports (e.g. @tag as @mytag)."""

    prefixes: dict[str, str] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    imported: dict[str, str] = field(default_factory=dict)  # "@inaccessible" → local "@inaccessible"

    @property
    def join(self) -> str | None:
        return self.prefixes.get("join")

    def join_name(self, element: str) -> str:
        """join__Graph, join__type, ... under the supergraph's own prefix."""
        return f"{self.prefixes.get('join', 'join')}__{element}"

    def directive(self, spec: str, name: str | None = None) -> str:
        """A spec's directive as this document names it: its import name if imported, else
        `prefix` for the spec's own directive (@inaccessible) or `prefix__name` for others."""
        name = name or spec
        if f"@{name}" in self.imported:
            return self.imported[f"@{name}"].lstrip("@")
        prefix = self.prefixes.get(spec, spec)
        return prefix if name == spec else f"{prefix}__{name}"

    def is_machinery(self, name: str, directive: bool = False) -> bool:
        """Types and directives of every linked spec (link, join, requiresScopes, policy, ...),
        which clients never see: `prefix__name`, a spec's own directive `@prefix`, and the
        names imported from a spec."""
        prefixes = set(self.prefixes.values()) | {"link", "join"}
        if any(name.startswith(f"{p}__") for p in prefixes):
            return True
        if directive:
            return name in prefixes or f"@{name}" in self.imported.values()
        return name in self.imported.values()


def read_links(document: DocumentNode) -> LinkImports:
    links = LinkImports()
    for definition in document.definitions:
        if not isinstance(definition, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue
        for directive in definition.directives or ():
            if directive.name.value != "link":
                continue
            args = {a.name.value: value_from_ast_untyped(a.value) for a in directive.arguments or ()}
            match = SPEC.match(str(args.get("url", "")))
            if not match:
                continue
            spec = match["name"]
            links.prefixes[spec] = args.get("as") or spec
            links.versions[spec] = match["version"]
            for item in args.get("import") or ():
                if isinstance(item, dict):
                    links.imported[item["name"]] = item.get("as") or item["name"]
                else:
                    links.imported[str(item)] = str(item)
    return links
