"""Slips (phiếu) of the one-stop desk: their content, rendering, signing and verification.

>>> pdf = issue_slip(ReceiptSlip(...), SlipSigner.from_key(KmsKey(alias), chain_pem))   # doctest: +SKIP
>>> verify_pdf(pdf, ca_pem, [fingerprint(cert_pem)]).signed_by_us               # doctest: +SKIP
True

Lazy (PEP 562): a name is imported from its module when it is first used, so that what needs only
the slips' content (`chalicelib.documents.slips`, e.g. the public pages' titles) does not load
ReportLab and pyHanko (about 1.4 s) on the API's cold start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .render import RenderError, render_slip
    from .signing import KmsSigner, SigningError, SlipSigner, issue_slip
    from .slips import (
        SLIP_CLASSES,
        TITLES,
        Agency,
        ApologySlip,
        Applicant,
        Attachment,
        ConfirmationSlip,
        ControlSlip,
        CorrectionRequestSlip,
        DecisionSlip,
        Employer,
        Finding,
        Handover,
        ReceiptSlip,
        RefusalSlip,
        Slip,
        Worker,
    )
    from .verify import Verification, VerificationError, fingerprint, verify_pdf

_MODULES = {
    "SLIP_CLASSES": "slips",
    "TITLES": "slips",
    "Agency": "slips",
    "ApologySlip": "slips",
    "Applicant": "slips",
    "Attachment": "slips",
    "ConfirmationSlip": "slips",
    "ControlSlip": "slips",
    "CorrectionRequestSlip": "slips",
    "DecisionSlip": "slips",
    "Employer": "slips",
    "Finding": "slips",
    "Handover": "slips",
    "KmsSigner": "signing",
    "ReceiptSlip": "slips",
    "RefusalSlip": "slips",
    "RenderError": "render",
    "SigningError": "signing",
    "Slip": "slips",
    "SlipSigner": "signing",
    "Verification": "verify",
    "VerificationError": "verify",
    "Worker": "slips",
    "fingerprint": "verify",
    "issue_slip": "signing",
    "render_slip": "render",
    "verify_pdf": "verify",
}

__all__ = [
    "SLIP_CLASSES",
    "TITLES",
    "Agency",
    "ApologySlip",
    "Applicant",
    "Attachment",
    "ConfirmationSlip",
    "ControlSlip",
    "CorrectionRequestSlip",
    "DecisionSlip",
    "Employer",
    "Finding",
    "Handover",
    "KmsSigner",
    "ReceiptSlip",
    "RefusalSlip",
    "RenderError",
    "SigningError",
    "Slip",
    "SlipSigner",
    "Verification",
    "VerificationError",
    "Worker",
    "fingerprint",
    "issue_slip",
    "render_slip",
    "verify_pdf",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
