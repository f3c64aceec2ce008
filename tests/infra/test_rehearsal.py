"""The packaged template runs: `scripts/rehearse.py` deploys it as it is into MiniStack (IAM evaluated,
functions executed on this host's Python) and drives one dossier through API Gateway, SQS and every
function (docs/deploy.md, "Rehearsal"). A wrong handler, a missing setting, a trigger without
ReportBatchItemFailures or a policy that misses an action fails here, not at the first deploy.

The short form (`--short`: the list of workers as a PDF with text, so no OCR page) is what `make test`
runs; `make rehearse` is the full run with a scanned list read by Tesseract."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import ROOT, functions

REHEARSE = ROOT / "scripts" / "rehearse.py"
# cold starts of six functions from a 79 MB zip dominate; minutes on 2 shared cores
pytestmark = pytest.mark.timeout(900)


def _rehearse(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REHEARSE), *args], capture_output=True, text=True, cwd=ROOT, timeout=880)


def test_one_dossier_goes_through_the_deployed_template_to_forwarded_with_both_slips_verified(
    package_dir: Path,
) -> None:
    # GIVEN the dev package as `make package` made it
    # WHEN it is deployed into the emulator and a dossier is sent through API Gateway
    result = _rehearse("--short")
    # THEN it ends forwarded, every step ran from its queue, and both slips verify
    last = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "proved" in last
    assert "-> forwarded" in last
    assert "receipt and confirmation" in last
    for step in ("extract", "check", "workflow", "notify"):
        assert f"'{step}': " in last, last


def test_a_template_with_mistakes_fails_the_rehearsal_naming_each_function(
    sam: dict[str, Any], package_dir: Path, tmp_path: Path
) -> None:
    # GIVEN the packaged template with a wrong handler name on check, and workflow without MOTCUA_STAGE
    template = copy.deepcopy(sam)
    by_handler = {r["Properties"].get("Handler"): r["Properties"] for r in functions(template).values()}
    by_handler["app.check"]["Handler"] = "app.chek"
    del by_handler["app.workflow"]["Environment"]["Variables"]["MOTCUA_STAGE"]
    path = tmp_path / "sam-broken.json"
    path.write_text(json.dumps(template))
    # WHEN it is rehearsed up to every function's first start
    result = _rehearse("--template", str(path), "--zip", str(package_dir / "deployment.zip"), "--until", "preflight")
    # THEN the rehearsal fails and names both functions and what stopped them
    assert result.returncode == 1, result.stdout[-2000:]
    assert "FAILED" in result.stderr
    assert "motcua-dev-check (app.chek)" in result.stderr, result.stderr[-2000:]
    assert "motcua-dev-workflow" in result.stderr, result.stderr[-2000:]
