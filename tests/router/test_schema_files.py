from router.marketplace import SUBGRAPHS
from router.schema_files import check_schema_files


def test_schema_files_match_what_each_subgraph_serves():
    assert check_schema_files() == [], "run `make schema` to regenerate schema/<name>.graphql"


def test_every_subgraph_uses_federation_2():
    for subgraph in SUBGRAPHS:
        assert "https://specs.apollo.dev/federation/v2" in subgraph.sdl(), subgraph.name
