"""Load, once per process, what the queue handlers use, before the first message needs it.

Heavy libraries are imported where they are used (importing `app` stays cheap for the API), so a
fresh worker pays about two seconds on its first dossier: pyHanko (0.6 s), ReportLab and its fonts,
the KMS signer (its certificate chain and public key), the OCR libraries and the warm OCR engines
(one per core, each with the `vie` model loaded), the AWS clients. A warm
Lambda container has all of that already; the local runner calls `warm` when it starts, before it
polls, so a batch is measured as it would run on warm containers, and the handler threads never
import pyHanko's modules concurrently. Everything here fills the same per-process caches the
handlers fill on first use: nothing is done twice, nothing changes behaviour.
"""

from __future__ import annotations

import importlib

from chalicelib.logs import logger

__all__ = ["warm"]

_MODULES = (
    "requests",
    "PIL.Image",
    "pytesseract",
    "pypdfium2",
    "pypdf",
    "rapidfuzz.fuzz",
    "chalicelib.extraction.extract",
    "chalicelib.extraction.ocr",
    "chalicelib.extraction.pages",
    "pyhanko.sign.validation",
    "pyhanko.sign.validation.pdf_embedded",
    "pyhanko.sign.validation.status",
    "pyhanko_certvalidator",
    "chalicelib.documents.verify",
)


def warm() -> None:
    """Import the handlers' libraries, make the AWS clients and the slip signer."""
    from chalicelib.adapters import queues
    from chalicelib.adapters.aws import client

    for module in _MODULES:
        importlib.import_module(module)
    for service in ("dynamodb", "s3", "sqs", "kms"):
        client(service)
    for queue in queues.QUEUES:
        queues.queue_url(queues.queue_name(queue))
    from chalicelib.documents.render import register_fonts
    from chalicelib.services import documents

    register_fonts()
    documents.signer().signer.key.get_public_key()
    from chalicelib.extraction.engine import WarmEngine, engine
    from chalicelib.extraction.extract import ocr_workers

    ocr = engine()
    if isinstance(ocr, WarmEngine):  # the `vie` model loaded once per core, before the first page
        ocr.warm(ocr_workers())
    logger().info("worker warmed up")
