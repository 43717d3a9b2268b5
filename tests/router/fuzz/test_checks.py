"""The fuzz test's properties can fail: answers that break them are caught, answers that keep
them (echoes of the client's own text included) are not."""

import json

import pytest

from tests.router.fuzz.checks import problems

SENT = json.dumps({"query": "{ product(id: \"1\") { id } }"}).encode()
TRACEBACK = 'Traceback (most recent call last):\n  File "/srv/router/app.py", line 3\nKeyError'


@pytest.mark.parametrize(("status", "body", "expected"), [
    (200, {"data": None, "errors": [{"message": TRACEBACK}]}, ["leaks 'Traceback'", "leaks 'File \"'", "leaks '.py'"]),
    (200, {"data": None, "errors": [{"message": "(sqlite3.OperationalError) [SQL: SELECT 1]"}]},
     ["leaks '[SQL'", "leaks 'sqlite'"]),
    (400, {"errors": [{"message": "connect to 127.0.0.1:5432 failed (asyncpg)"}]},
     ["leaks 'asyncpg'", "leaks '127.0.0.1'"]),
    (500, {"errors": [{"message": "Internal server error"}]}, ["status 500"]),
    (400, {"data": None}, ["a 400 without errors"]),
    (200, {"data": {}, "errors": [{"msg": "x"}]}, ["error without a string message: {'msg': 'x'}"]),
    (200, {"data": {}, "errors": [{"message": "x", "path": "product.id"}]},
     ["path is not a list of names and indexes: 'product.id'"]),
    (200, {"result": 1}, ["unexpected key 'result'", "neither data nor errors"]),
])
def test_a_broken_answer_is_caught(status: int, body: dict, expected: list[str]) -> None:
    assert problems(status, json.dumps(body).encode(), SENT) == expected


def test_a_traceback_in_a_non_json_body_is_caught() -> None:
    assert problems(502, b"<html>Traceback ...</html>", SENT) == ["status 502", "leaks 'Traceback'", "body is not JSON"]


def test_well_formed_answers_and_echoes_pass() -> None:
    echo = json.dumps({"query": '{ product(sku: "db.sqlite.py") { id } }'}).encode()
    answer = {"data": {"product": None}, "errors": [{"message": 'No product "db.sqlite.py"', "path": ["product"],
                                                     "locations": [{"line": 1, "column": 3}]}]}
    assert problems(200, json.dumps(answer).encode(), echo) == []
    assert problems(413, json.dumps({"errors": [{"message": "too large"}]}).encode(), SENT) == []
