"""The runtime lock alone runs the app and the operator's commands (no package only the dev set has).

Why: `motcua registry load` once needed tqdm, which only the dev requirements installed, so an operator
who installed the runtime set got an ImportError; the Lambda package is built from the same lock.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def runtime_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # no byte-compiling of what is installed (a third of the time): the three probes below compile what they import
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile"]
    subprocess.run([*pip, "--require-hashes", "-r", str(ROOT / "requirements.txt")], check=True, timeout=900)
    # editable: nothing is built into the checkout (a plain install writes build/lib there)
    subprocess.run([*pip, "--no-deps", "--no-build-isolation", "-e", "."], check=True, cwd=ROOT, timeout=300)
    return venv


def _run(venv: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"), "MOTCUA_STAGE": "local"}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)


def test_the_registry_loader_runs_with_the_runtime_set_alone(runtime_venv: Path) -> None:
    result = _run(runtime_venv, str(runtime_venv / "bin" / "motcua"), "registry", "load", "--help")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "usage" in result.stdout.lower()


def test_the_app_imports_with_the_runtime_set_alone(runtime_venv: Path) -> None:
    probe = "import app, sys; print(len(app.app.routes)); print('moto' in sys.modules, 'pytest' in sys.modules)"
    result = _run(runtime_venv, str(runtime_venv / "bin" / "python"), "-c", probe)
    assert result.returncode == 0, result.stderr[-2000:]
    routes, dev_only = result.stdout.splitlines()
    assert int(routes) > 10 and dev_only == "False False"


def test_every_package_the_shipped_code_imports_is_in_the_runtime_set(runtime_venv: Path) -> None:
    """Function-level imports included (`--help` and `import app` do not run those): every module the
    app and the operator's commands may import is found by the runtime venv's Python."""
    shipped = [ROOT / "app.py", *(p for p in (ROOT / "chalicelib").rglob("*.py") if "local" not in p.parts)]
    names: set[str] = set()
    for path in shipped:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
    names -= {"chalicelib", "app"} | set(sys.stdlib_module_names)
    # the OCR image's own lock (requirements-ocr.txt): the zip functions never OCR, and where it is
    # missing chalicelib/extraction/engine.py reads through pytesseract (tests/unit/extraction/test_ocr_engines.py)
    names -= {"tesserocr"}
    probe = (
        "import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))"
    )
    result = _run(runtime_venv, str(runtime_venv / "bin" / "python"), "-c", probe, *sorted(names))
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == [], f"imported by shipped code, missing from requirements.in: {result.stdout}"
