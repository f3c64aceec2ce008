"""Imports point down the layers (docs/architecture.md), function-level imports included.

Why a test: a layer that points the wrong way is cheap to add and costly to take back (the local
stage ended up in the Lambda package that way); this fails on the commit that adds one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BASE = {"config", "errors", "logs", "tracing"}
"""Used everywhere; they import no layer."""

ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "extraction": {"domain"},
    "documents": {"domain"},
    "checks": {"domain", "documents"},
    "adapters": {"domain"},
    "services": {"domain", "extraction", "documents", "checks", "adapters"},
    "api": {"domain", "documents"},
    "app": {"domain", "api", "services"},
    "cli": {"domain", "extraction", "api", "services", "local"},
    "local": {"domain", "extraction", "documents", "checks", "adapters", "services", "api", "app"},
}
"""Which layers each one may import. `app` is app.py and `cli` chalicelib/cli.py, the two entry points;
`local` (the local stage, which serves `app`) only the CLI, which is not in the Lambda package either."""


def layer_of(path: Path) -> str:
    """`app`, `cli`, a base module's name, or the sub-package of `chalicelib` the file is in."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return "app" if parts == ("app",) else parts[1]


def imported_layers(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names if node.module == "chalicelib"]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "chalicelib" and len(parts) > 1:
                found.add((parts[1], node.lineno))
            elif parts[0] == "app":
                found.add(("app", node.lineno))
    return found


MODULES = sorted(
    [ROOT / "app.py", *(p for p in (ROOT / "chalicelib").rglob("*.py") if p != ROOT / "chalicelib" / "__init__.py")]
)


def test_every_module_belongs_to_a_known_layer() -> None:
    unknown = {str(p.relative_to(ROOT)) for p in MODULES if layer_of(p) not in ALLOWED.keys() | BASE}
    assert unknown == set()


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_down_the_layers(path: Path) -> None:
    own = layer_of(path)
    allowed = ALLOWED.get(own, set()) | BASE | {own}
    wrong = sorted(
        f"line {line}: {own} imports {target}" for target, line in imported_layers(path) if target not in allowed
    )
    assert wrong == [], f"{path.relative_to(ROOT)}: " + "; ".join(wrong)


def test_the_check_itself_sees_an_import_that_points_up(tmp_path: Path) -> None:
    module = ROOT / "chalicelib" / "domain" / "x.py"
    source = "def f():\n    from chalicelib.adapters.store import store\n    return store\n"
    probe = tmp_path / "x.py"
    probe.write_text(source)
    assert imported_layers(probe) == {("adapters", 2)}
    assert "adapters" not in ALLOWED[layer_of(module)]
