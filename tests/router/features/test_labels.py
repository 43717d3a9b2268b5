"""Label values clients choose are bounded (router/features/labels.py) and outcomes are few."""

from __future__ import annotations

from router.features.labels import LabelFold
from router.features.metrics import outcome


def test_unknown_malformed_and_too_many_names_fold():
    fold = LabelFold(limit=2)
    assert fold(None) == "unknown" and fold("") == "unknown"
    assert fold("x" * 65) == "other" and fold("drop table;") == "other"
    assert fold("ProductPage") == "ProductPage" and fold("Checkout") == "Checkout"
    assert fold("ThirdOne") == "other" and fold("ProductPage") == "ProductPage"


def test_outcomes():
    assert [outcome(200, ()), outcome(200, ("NOT_FOUND",)), outcome(401, ("UNAUTHENTICATED",)),
            outcome(429, ()), outcome(400, ()), outcome(503, ())] == [
        "success", "graphql_errors", "unauthenticated", "rate_limited", "refused", "failed"]
