"""The portal's side of an end-to-end test: dossiers of the demo registry's workers, sent to a
running stack over HTTP as the national portal sends them."""

from __future__ import annotations

import csv
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
from tests.helpers import pdf_bytes
from tests.scans.generate import Document, render_pdf
from tests.scans.generate import Worker as ScanWorker


class DemoPortal:
    """Sends dossiers of one demo unit's workers; `unit_rank` picks the unit (0: the one with most
    eligible workers), so tests sharing a stack do not claim the same worker-months."""

    def __init__(self, stack: Any, unit_rank: int) -> None:
        self.stack = stack
        state: Path = stack.state_dir
        units = {u["unit_code"]: u for u in csv.DictReader(open(state / "units.csv", encoding="utf-8"))}
        rows = list(csv.DictReader(open(state / "participants.csv", encoding="utf-8")))
        periods: dict[str, int] = {}
        for r in rows:
            periods[r["si_number"]] = periods.get(r["si_number"], 0) + 1
        by_unit: dict[str, list[dict[str, str]]] = {}
        for r in rows:  # one period, in compulsory insurance since before 2020
            if periods[r["si_number"]] == 1 and not r["participation_to"] and r["participation_from"] <= "2019-12":
                by_unit.setdefault(r["unit_code"], []).append(r)
        unit_code, self.people = sorted(by_unit.items(), key=lambda kv: (-len(kv[1]), kv[0]))[unit_rank]
        self.unit = units[unit_code]
        # signs as the applicant: its certificate names the unit's tax code
        self.employer = ensure_demo_employer(state, self.unit["tax_code"], name=self.unit["unit_name"])
        self.headers = stack.token("portal")
        self._next = 0

    def workers(
        self, count: int, period_from: str = "2020-04-01", period_to: str = "2020-05-31"
    ) -> list[dict[str, str]]:
        chosen, self._next = self.people[self._next : self._next + count], self._next + count
        return [
            {
                k: v
                for k, v in {
                    "full_name": p["full_name"],
                    "si_number": p["si_number"],
                    "date_of_birth": p["date_of_birth"],
                    "id_number": p["id_number"],
                    "period_from": period_from,
                    "period_to": period_to,
                }.items()
                if v
            }
            for p in chosen
        ]

    def submit(
        self,
        workers: list[dict[str, str]],
        with_list: bool = True,
        listed: list[dict[str, str]] | None = None,
        procedure: str = "suspension_support",
        industry: str | None = None,
    ) -> dict[str, Any]:
        """Create, attach the signed request (and the signed list of workers: `listed`, if the
        employer signed something else than the portal typed), submit."""
        u = self.unit
        body = {
            "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:6].upper()}",
            "procedure": procedure,
            "applicant": {
                "unit_code": u["unit_code"],
                "tax_code": u["tax_code"],
                "name": u["unit_name"],
                "province_code": u["province_code"],
                **({"industry": industry} if industry else {}),
            },
            "workers": workers,
        }
        base = self.stack.base
        dossier = requests.post(f"{base}/v1/dossiers", json=body, headers=self.headers, timeout=30).json()
        files = {
            "request.pdf": sign_as_employer(pdf_bytes("De nghi ho tro nguoi lao dong tam hoan hop dong"), self.employer)
        }
        if with_list:
            files["worker_list.pdf"] = render_pdf(
                Document(
                    u["unit_code"],
                    u["tax_code"],
                    u["unit_name"],
                    [ScanWorker(**{"id_number": "", **w}) for w in listed or workers],
                )
            )
        for name, data in files.items():
            reply = requests.put(
                f"{base}/v1/dossiers/{dossier['id']}/attachments/{name}",
                data=data,
                headers={**self.headers, "Content-Type": "application/pdf"},
                timeout=30,
            )
            assert reply.status_code == 200, reply.text
        assert (
            requests.post(f"{base}/v1/dossiers/{dossier['id']}/submit", headers=self.headers, timeout=30).status_code
            == 202
        )
        return dossier

    def wait_for(self, dossier_id: str, statuses: set[str], seconds: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + seconds
        while True:
            dossier = requests.get(
                f"{self.stack.base}/v1/dossiers/{dossier_id}", headers=self.headers, timeout=30
            ).json()
            if dossier["status"] in statuses or time.monotonic() > deadline:
                assert dossier["status"] in statuses, (dossier["status"], dossier["findings"])
                return dossier
            time.sleep(0.3)
