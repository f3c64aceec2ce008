"""Make the PNGs of every slip in this folder: render, sign with a local KMS, rasterise.

    .venv/bin/python docs/slips/make.py

The receipt, the control slip and the apology are those of one dossier run through the services by
the functional test `test_a_dossier_corrected_once_then_delayed_by_the_authority` (May 2020: a
correction, then the province late, apologising once): the script runs that test with
``MOTCUA_SCENARIO_OUT`` and rasterises what it wrote. The other kinds are the examples of
`chalicelib.documents.examples`, signed on the project's own emulator (started on a free loopback
port and stopped), so it needs nothing running. Writes ``<kind>.png`` (first page, 60 dpi) and
``<kind>-2.png`` for a second page (the confirmation, a control slip that runs over).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))


def start_moto() -> Any:
    """The project's local emulator on a free port, for this script only."""
    from chalicelib.local.stack import free_port, local_environment, start_emulator

    emulator = start_emulator(free_port())
    os.environ.update(local_environment(emulator.endpoint, Path(tempfile.mkdtemp())))
    return emulator


SCENARIO = ("receipt", "control_slip", "apology")
"""The slips taken from the scenario of a dossier corrected once, then delayed by the authority."""


def rasterise(pdf: Path, kind: str, work: Path, pages: int) -> None:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(pages), str(pdf), str(work / kind)], check=True
    )
    for stale in HERE.glob(f"{kind}-*.png"):
        stale.unlink()
    for page in range(1, pages + 1):
        src = next(work.glob(f"{kind}-{page}.png"), None) or next(work.glob(f"{kind}-0{page}.png"), None)
        if src is None:
            break
        dst = HERE / (f"{kind}.png" if page == 1 else f"{kind}-{page}.png")
        dst.write_bytes(src.read_bytes())
        print(dst.relative_to(HERE.parents[1]))


def scenario() -> None:
    """The receipt, control slip and apology of the scenario, through the real services."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MOTCUA_SCENARIO_OUT": tmp, "MOTCUA_PUBLIC_BASE_URL": "https://motcua.example.vn"}
        test = "tests/functional/test_deadlines.py::test_a_dossier_corrected_once_then_delayed_by_the_authority"
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=HERE.parents[1],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for kind in SCENARIO:
            rasterise(Path(tmp) / f"{kind}.pdf", kind, Path(tmp), 2)


def main() -> None:
    scenario()
    proc = start_moto()
    try:
        from chalicelib.adapters.kms import KmsKey
        from chalicelib.documents import SlipSigner, issue_slip
        from chalicelib.documents.examples import example_slips
        from chalicelib.local.pki import ensure_signing_identity

        with tempfile.TemporaryDirectory() as tmp:
            ident = ensure_signing_identity(Path(tmp) / "pki", "alias/motcua-docs-signing")
            signer = SlipSigner.from_key(KmsKey(ident.key_alias), ident.cert_chain_pem)
            for kind, slip in example_slips(300).items():
                if kind in SCENARIO:
                    continue
                pdf = Path(tmp) / f"{kind}.pdf"
                pdf.write_bytes(issue_slip(slip, signer, public_base_url="https://motcua.example.vn"))
                rasterise(pdf, kind, Path(tmp), 2 if kind == "confirmation" else 1)
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
