from tests.support.apps import bearer
from tests.support.processes import post_graphql, start_graft


def test_users_process_serves_service_entities_and_me(tmp_path, data_dir):
    service = start_graft("users", ["subgraph", "users"], {"GRAFT_DATA_DIR": str(data_dir)}, tmp_path)
    try:
        sdl = post_graphql(service.graphql_url, "{ _service { sdl } }")["data"]["_service"]["sdl"]
        assert 'type User @key(fields: "id")' in sdl
        body = post_graphql(service.graphql_url,
                            "query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id name } } }",
                            {"r": [{"__typename": "User", "id": "2"}, {"__typename": "User", "id": "404"}]})
        assert body["data"]["_entities"] == [{"id": "2", "name": "Charles Babbage"}, None]
        me = post_graphql(service.graphql_url, "{ me { email } }", headers=bearer(1))
        assert me["data"]["me"]["email"] == "ada@example.com"
    finally:
        service.stop()
