"""Which Accept headers get multipart @defer responses."""

import pytest

from router.server.incremental import accepts_incremental


@pytest.mark.parametrize(("accept", "expected"), [
    ("multipart/mixed;deferSpec=20220824,application/graphql-response+json,application/json;q=0.9", True),  # Apollo Client
    ('multipart/mixed; deferSpec="20220824"', True),
    ("multipart/mixed", True),
    ("Multipart/Mixed;DEFERSPEC=20220824", True),
    ("multipart/mixed;deferSpec=20230101", False),  # a spec version we do not speak
    ("multipart/mixed;deferSpec=20220824;q=0", False),
    ("multipart/mixed;subscriptionSpec=1.0", False),  # the multipart of subscriptions
    ('multipart/mixed;subscriptionSpec="1.0";deferSpec=20220824', True),
    ("application/json", False),
    ("", False),
    (None, False),
])
def test_accept(accept, expected):
    assert accepts_incremental(accept) is expected
