from router.schema_files import SUBGRAPHS, check_schema_files, served_sdl


def test_schema_files_match_what_each_subgraph_serves():
    assert check_schema_files() == [], "run `make schema` to regenerate schema/<name>.graphql"


def test_every_subgraph_uses_federation_2():
    for name in SUBGRAPHS:
        assert "https://specs.apollo.dev/federation/v2" in served_sdl(name)
