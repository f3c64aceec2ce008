"""The packaged stage, built once per session (and not at all when its inputs did not change)."""

from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STAGE = "dev"


def _package_module() -> Any:
    spec = importlib.util.spec_from_file_location("motcua_package", ROOT / "scripts" / "package.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def package_module() -> Any:
    return _package_module()


@pytest.fixture(scope="session")
def package_dir(package_module: Any) -> Path:
    """`build/package/` of stage dev: `scripts/package.py` reuses it when the fingerprint matches."""
    out = ROOT / "build" / "package"
    package_module.package(STAGE, out)
    return out


@pytest.fixture(scope="session")
def sam(package_dir: Path) -> dict[str, Any]:
    return json.loads((package_dir / "sam.json").read_text())


@pytest.fixture(scope="session")
def merged() -> dict[str, Any]:
    return json.loads((ROOT / "build" / "merge.json").read_text())


@pytest.fixture(scope="session")
def deployment_zip(package_dir: Path) -> zipfile.ZipFile:
    return zipfile.ZipFile(package_dir / "deployment.zip")


def functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def sqs_events(template: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(function logical id, event name, event properties) of every SQS trigger."""
    return [
        (logical, name, event["Properties"])
        for logical, resource in functions(template).items()
        for name, event in resource["Properties"].get("Events", {}).items()
        if event["Type"] == "SQS"
    ]
