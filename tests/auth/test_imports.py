from tests.support.imports import imported_packages


def test_auth_is_a_library_of_its_own():
    """The router and the subgraphs both import auth; auth imports neither."""
    offending = {path: names & {"router", "subgraphs"} for path, names in imported_packages("auth").items()}
    assert {path: names for path, names in offending.items() if names} == {}
