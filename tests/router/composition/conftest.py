from __future__ import annotations

import pytest

from tests.router.composition.node_harness import NodeHarness, install


@pytest.fixture(scope="session")
def apollo() -> NodeHarness:
    return install()
