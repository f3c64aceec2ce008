"""A world to send dossiers through the pipeline in: a unit with participants in the registry,
a demo employer who signs requests as that unit (its tax code in the certificate), and the steps
run in-process on the emulator."""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chalicelib.adapters.registry import registry
from chalicelib.domain.registry import Participant, Period, Unit
from chalicelib.local.employer import ensure_demo_employer, sign_as_employer
from chalicelib.services import pipeline
from tests.helpers import pdf_bytes
from tests.scans.generate import Document, random_tax_code, render_pdf
from tests.scans.generate import Worker as ScanWorker

Headers = Callable[..., dict[str, str]]


class Fixture:
    """A unit of its own with five participants, and a way to send dossiers through the checks.

    `employer` signs as this unit (a certificate naming its tax code, under the local demo CA)."""

    def __init__(self, api: Any, token: Headers, state_dir: Path) -> None:
        self.api, self.token, self.state_dir = api, token, state_dir
        rng = random.Random()
        self.unit = Unit(
            unit_code=f"T{uuid.uuid4().hex[:6].upper()}",
            unit_name="Công ty TNHH Dệt may Hưng Yên",
            tax_code=random_tax_code(rng),
            province_code="031",
        )
        self.employer = ensure_demo_employer(state_dir, self.unit.tax_code, name=self.unit.unit_name)
        self.other_unit = Unit(
            unit_code=f"T{uuid.uuid4().hex[:6].upper()}",
            unit_name="Công ty CP Cơ khí Đông Anh",
            tax_code=random_tax_code(rng),
            province_code="031",
        )
        base = rng.randrange(10**9, 9 * 10**9)
        on = Period(self.unit.unit_code, "2015-01", None)
        self.people = [
            Participant(f"{base + 0:010d}", "Nguyễn Văn An", "1985-10-12", "031085123456", self.unit.unit_code, (on,)),
            Participant(
                f"{base + 1:010d}", "Trần Thị Bích Ngọc", "1990-02-28", "031190000111", self.unit.unit_code, (on,)
            ),
            Participant(
                f"{base + 2:010d}",
                "Lê Hoàng Đức",
                "1978-07-01",
                "031078000222",
                self.unit.unit_code,
                (Period(self.unit.unit_code, "2010-01", "2019-12"),),
            ),
            Participant(
                f"{base + 3:010d}",
                "Phạm Thu Hà",
                "1995-05-05",
                "031195000333",
                self.other_unit.unit_code,
                (Period(self.other_unit.unit_code, "2018-01", None),),
            ),
            Participant(f"{base + 4:010d}", "Đỗ Minh Khôi", "1988-12-12", "031088000444", self.unit.unit_code, (on,)),
            Participant(f"{base + 5:010d}", "Vũ Thị Lan", "1992-09-09", "031192000555", self.unit.unit_code, (on,)),
        ]
        registry().put_units([self.unit, self.other_unit])
        registry().put_participants(self.people)

    def worker(self, index: int, **changes: str) -> dict[str, str]:
        p = self.people[index]
        return {
            "full_name": p.full_name,
            "si_number": p.si_number,
            "date_of_birth": p.date_of_birth,
            "id_number": p.id_number,
            "period_from": "2020-04-01",
            "period_to": "2020-05-31",
            **changes,
        }

    def submit(
        self,
        workers: list[dict[str, str]],
        *,
        applicant: dict[str, str] | None = None,
        attachments: dict[str, bytes] | None = None,
        scan: list[dict[str, str]] | None = None,
        procedure: str = "suspension_support",
    ) -> str:
        body = {
            "portal_code": f"G22.99-200512-{uuid.uuid4().hex[:10]}",
            "procedure": procedure,
            "applicant": applicant
            or {
                "unit_code": self.unit.unit_code,
                "tax_code": self.unit.tax_code,
                "name": self.unit.unit_name,
                "province_code": "031",
            },
            "workers": workers,
        }
        portal = self.token("portal")
        created = self.api.http.post(
            "/v1/dossiers", headers={**portal, "Content-Type": "application/json"}, body=json.dumps(body)
        ).json_body
        if attachments is None:
            listed = Document(
                self.unit.unit_code,
                self.unit.tax_code,
                self.unit.unit_name,
                [ScanWorker(**w) for w in (scan or workers)],
            )
            attachments = {
                "request.pdf": sign_as_employer(
                    pdf_bytes("Van ban de nghi ho tro nguoi lao dong tam hoan hop dong"), self.employer
                ),
                "worker_list.pdf": render_pdf(listed),
            }
        for name, data in attachments.items():
            reply = self.api.http.put(
                f"/v1/dossiers/{created['id']}/attachments/{name}",
                headers={**portal, "Content-Type": "application/pdf"},
                body=data,
            )
            assert reply.status_code == 200, reply.json_body
        assert self.api.http.post(f"/v1/dossiers/{created['id']}/submit", headers=portal).status_code == 202
        return created["id"]

    def run(self, dossier_id: str) -> dict[str, Any]:
        pipeline.extract_step(pipeline.StepMessage(dossier_id, "extract"))
        pipeline.check_step(pipeline.StepMessage(dossier_id, "check"))
        return self.api.http.get(f"/v1/dossiers/{dossier_id}", headers=self.token("portal")).json_body


@pytest.fixture
def world(api: Any, token: Headers, local_stack: dict[str, str], signing_identity: Any) -> Fixture:
    return Fixture(api, token, Path(local_stack["state_dir"]))
