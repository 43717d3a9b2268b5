"""Batch fetch text: entry aliases and representations variables that never reuse a client's."""

from router.planning.batch import EntityPart, batch_node
from router.planning.plan import RepresentationField

USER = (("User", (RepresentationField("__typename"), RepresentationField("id"))),)
PRODUCT = (("Product", (RepresentationField("__typename"), RepresentationField("upc"))),)


def test_representations_variables_avoid_the_operation_s_own_names():
    parts = [EntityPart(("a",), "{ x }", USER), EntityPart(("b",), "{ y }", PRODUCT)]
    node = batch_node("s", parts, ("r0",), ["$r0: Int"], taken={"r0", "limit"})
    assert [(e.alias, e.variable) for e in node.entries] == [("_e0", "_r0"), ("_e1", "_r1")]
    assert node.operation.startswith("query($_r0: [_Any!]!, $_r1: [_Any!]!, $r0: Int) {\n")
    assert "_e1: _entities(representations: $_r1) { y }" in node.operation


def test_the_same_selection_at_several_paths_is_one_entities_field():
    parts = [EntityPart(("a",), "{ x }", USER), EntityPart(("b", "@"), "{ x }", USER),
             EntityPart(("a",), "{ x }", USER)]
    node = batch_node("s", parts, (), [], taken=set())
    assert [(e.alias, e.variable, e.paths) for e in node.entries] == [
        ("_entities", "representations", (("a",), ("b", "@")))]
    assert node.operation == ("query($representations: [_Any!]!) {\n"
                              "  _entities(representations: $representations) { x }\n}")
