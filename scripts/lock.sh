#!/usr/bin/env bash
# `make lock`: the locks with hashes, from the .in files (requirements.txt for the runtime and the
# Lambda package, requirements-ocr.txt for what the OCR image adds, requirements-build.txt for what
# building tesserocr from its source needs, requirements-dev.txt for make run and make test). A few
# minutes: pip-compile reads the hash of every file of every pinned release. Index options are left
# out of the locks on purpose: pip's own configuration says where packages come from. A package the
# .in marks --no-binary (tesserocr) is locked to its source release's hash alone: no wheel can
# stand in for it.
set -euo pipefail
cd "$(dirname "$0")/.."
compile=(.venv/bin/pip-compile --quiet --generate-hashes --no-emit-index-url --no-emit-find-links --strip-extras --allow-unsafe --resolver=backtracking)
"${compile[@]}" --output-file=requirements.txt requirements.in
"${compile[@]}" --output-file=requirements-ocr.txt requirements-ocr.in
"${compile[@]}" --output-file=requirements-build.txt requirements-build.in
"${compile[@]}" --output-file=requirements-dev.txt requirements-dev.in
# the emulator of `make rehearse`, apart: MiniStack pins a botocore the runtime lock cannot share
"${compile[@]}" --output-file=requirements-rehearse.txt requirements-rehearse.in
echo "lock: requirements.txt ($(grep -c '==' requirements.txt) packages), requirements-dev.txt ($(grep -c '==' requirements-dev.txt) packages), requirements-rehearse.txt ($(grep -c '==' requirements-rehearse.txt) packages)"
