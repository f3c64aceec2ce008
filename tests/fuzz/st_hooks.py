"""PDF and TIFF bodies are sent as raw bytes, as schemathesis sends `application/octet-stream`.

Imported by `api.fuzz_api`, and loaded by the schemathesis command line in `api.coverage_phase`
(`SCHEMATHESIS_HOOKS=tests.fuzz.st_hooks`).
"""

import schemathesis

schemathesis.serializer.alias(["application/pdf", "image/tiff"], "application/octet-stream")
