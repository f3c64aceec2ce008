#!/usr/bin/env bash
# Install what `make run` and `make test` need and is missing: Debian packages, then the project's
# virtual environment. Quick when nothing is missing (a stamp records what the venv was built from).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
# tesseract-ocr: the CLI (pytesseract, OSD) and the tessdata both engines read. libtesseract-dev,
# libleptonica-dev, pkg-config and g++: pip builds the warm engine (tesserocr) from its source against
# this same libtesseract, so that both engines run one Tesseract (requirements-ocr.in says why).
APT_PACKAGES=(tesseract-ocr tesseract-ocr-vie libtesseract-dev libleptonica-dev pkg-config g++ poppler-utils zbar-tools libnss3-tools fonts-dejavu-core chromium chromium-driver)

missing=()
for package in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
# npm installs axe-core, which the browser tests run on every public page (tests/e2e/axe).
command -v npm >/dev/null || missing+=("npm")
# Debian's own Python needs its venv package for `python3 -m venv`.
"$PYTHON" -c "import ensurepip, venv" 2>/dev/null || missing+=("python3-venv")
# ... and its headers (Python.h) for building tesserocr.
"$PYTHON" -c "import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()['include'], 'Python.h')))" \
  || missing+=("python3-dev")
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=.venv/.motcua-installed
wanted="$(cat requirements.txt requirements-build.txt requirements-dev.txt pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  echo "preparing .venv (first time: a minute or two)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check 'pip<26.3'
  # what building tesserocr needs (Cython, setuptools), then the lock, every package with its hashes
  # (make lock), tesserocr built from its source release without build isolation (so with the pinned
  # Cython above, not one pip would fetch unchecked), then the project itself without resolving again
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements-build.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-build-isolation -r requirements-dev.txt
  .venv/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
  echo "$wanted" > "$stamp"
fi
# The warm engine must run the `tesseract` CLI's own library: a venv made before it was built from source
# (tesserocr's wheel, with its bundled Tesseract 5.5.4), or a libtesseract upgraded since, is rebuilt here.
cli_version="$(tesseract --version 2>&1 | head -n 1)"
if [ "$(.venv/bin/python -c 'import tesserocr; print(tesserocr.tesseract_version().splitlines()[0])' 2>/dev/null)" != "$cli_version" ]; then
  echo "building tesserocr against the system's $cli_version"
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes --no-build-isolation \
    --force-reinstall --no-deps --no-cache-dir -r requirements-ocr.txt
fi

# axe-core from its lock, for the accessibility check the browser tests run on the public pages
axe=tests/e2e/axe
if [ ! -f "$axe/node_modules/axe-core/axe.min.js" ] || [ "$axe/package-lock.json" -nt "$axe/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$axe" --no-audit --no-fund --silent
fi
