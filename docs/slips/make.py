"""Make the PNGs of every slip in this folder: render, sign with a local KMS, rasterise page 1.

    .venv/bin/python docs/slips/make.py

Starts the project's own emulator on a free loopback port (and stops it), so it needs nothing running.
Writes ``<kind>.png`` (first page, 60 dpi) and, for the confirmation, ``confirmation-2.png``.
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


def main() -> None:
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
                pdf = Path(tmp) / f"{kind}.pdf"
                pdf.write_bytes(issue_slip(slip, signer, public_base_url="https://motcua.example.vn"))
                last = 2 if kind == "confirmation" else 1
                subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", str(last), str(pdf),
                                str(Path(tmp) / kind)], check=True)
                for page in range(1, last + 1):
                    src = next(Path(tmp).glob(f"{kind}-{page}.png"), None) or next(Path(tmp).glob(f"{kind}-0{page}.png"))
                    dst = HERE / (f"{kind}.png" if page == 1 else f"{kind}-{page}.png")
                    dst.write_bytes(src.read_bytes())
                    print(dst.relative_to(HERE.parents[1]))
    finally:
        proc.stop()


if __name__ == "__main__":
    main()
