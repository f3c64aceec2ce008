"""Slips (phiếu) of the one-stop desk: their content, rendering, signing and verification.

>>> pdf = issue_slip(ReceiptSlip(...), SlipSigner.from_key(KmsKey(alias), chain_pem))   # doctest: +SKIP
>>> verify_pdf(pdf, ca_pem, [fingerprint(cert_pem)]).signed_by_us               # doctest: +SKIP
True
"""

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
