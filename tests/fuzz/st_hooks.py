"""Loaded by the schemathesis command line (`SCHEMATHESIS_HOOKS=tests.fuzz.st_hooks`, see
`api.coverage_phase`): PDF and TIFF bodies are sent as raw bytes, as it sends octet-streams."""
import schemathesis

schemathesis.serializer.alias(["application/pdf", "image/tiff"], "application/octet-stream")
