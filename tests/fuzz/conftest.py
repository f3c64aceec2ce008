"""One local stack (`motcua serve` on free ports) for the hostile-input tests of this package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fuzz.stack import LocalStack, running_stack


@pytest.fixture(scope="session")
def hostile_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    with running_stack(workers=2, visibility=6, state_dir=tmp_path_factory.mktemp("hostile-state")) as stack:
        yield stack
