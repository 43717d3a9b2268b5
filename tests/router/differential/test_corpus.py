"""The corpus and the known differences, checked without running anything."""

from __future__ import annotations

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, parse

from router.schema_files import SUPERGRAPH
from router.supergraph import load_supergraph
from tests.router.differential.corpus import CORPUS
from tests.router.differential.known import APOLLO_WRONG, GRAFT_BUGS


def test_lists_name_operations_of_the_corpus() -> None:
    names = [op.name for op in CORPUS]
    assert len(names) == len(set(names))
    assert set(APOLLO_WRONG) <= set(names) and set(GRAFT_BUGS) <= set(names)
    assert not set(APOLLO_WRONG) & set(GRAFT_BUGS)


def test_corpus_covers_every_root_field() -> None:
    """Each Query and Mutation field of the API schema is selected at the root of some operation."""
    api = load_supergraph(SUPERGRAPH.read_text()).api_schema
    wanted = {f"{t.name}.{f}" for t in (api.query_type, api.mutation_type) if t is not None for f in t.fields}
    used: set[str] = set()
    for operation in CORPUS:
        try:
            document = parse(operation.query)
        except GraphQLError:
            continue
        for definition in document.definitions:
            if isinstance(definition, OperationDefinitionNode):
                root = "Mutation" if definition.operation.value == "mutation" else "Query"
                used |= {f"{root}.{s.name.value}" for s in definition.selection_set.selections if isinstance(s, FieldNode)}
    assert wanted - used == set()
