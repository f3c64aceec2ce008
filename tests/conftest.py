"""Shared fixtures: one local AWS emulator per test session, with the stack from `infra/`.

The emulator is moto's server, started the way `make run` starts it but on a free port and with
its own state directory, so the suite never touches a `make run` that is up at the same time.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chalicelib.config import settings

pytest_plugins = ["tests.functional.world"]


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    from chalicelib.local.serve import prepare
    from chalicelib.local.stack import free_port

    state_dir = tmp_path_factory.mktemp("motcua-state")
    previous = dict(os.environ)
    emulator = prepare(free_port(), Path(state_dir))
    yield {"endpoint": emulator.endpoint, "state_dir": str(state_dir)}
    emulator.stop()
    os.environ.clear()
    os.environ.update(previous)
    settings.cache_clear()


@pytest.fixture(autouse=True)
def _settings_read_again() -> Iterator[None]:
    """A test that changes the environment (monkeypatch.setenv) gets settings made from it, and the
    next test the stage's own again; the code reads them once, as a Lambda cold start does."""
    settings.cache_clear()
    yield
    settings.cache_clear()


@pytest.fixture(scope="session")
def signing_identity(local_stack: dict[str, str]) -> Any:
    """The local stage's signing identity, as `make run` made it (KMS key, CA, NSS database)."""
    from chalicelib.config import settings
    from chalicelib.local.pki import ensure_signing_identity

    return ensure_signing_identity(Path(local_stack["state_dir"]), settings().signing_key_alias)


@pytest.fixture(scope="session")
def api(local_stack: dict[str, str]) -> Any:
    """Chalice's test client on the real app, stage `local`, against the emulator."""
    from chalice.test import Client

    import app as app_module

    with Client(app_module.app, stage_name="local") as client:
        yield client


@pytest.fixture
def token(local_stack: dict[str, str]) -> Callable[..., dict[str, str]]:
    """`token("clerk", "031")` → the Authorization header of a local token. An authority is the
    province's People's Committee unless `authority=` names another body."""
    from chalicelib.api.auth import issue_local_token

    def make(role: str, office: str | None = None, authority: str | None = None) -> dict[str, str]:
        body = authority or ("province" if role == "authority" else None)
        return {"Authorization": f"Bearer {issue_local_token(role, office, authority=body)}"}

    return make
