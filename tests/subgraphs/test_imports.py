from tests.support.imports import imported_packages


def test_subgraphs_never_import_the_router():
    offending = [path for path, names in imported_packages("subgraphs").items() if "router" in names]
    assert offending == []
