#!/usr/bin/env bash
# Create the virtual environment; on a bare Debian, python3-venv may be missing: install it.
set -euo pipefail
python="$1"; venv="$2"
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "python3 -m venv failed: installing Debian's python3-venv" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    "$python" -m venv "$venv"
  else
    echo "error: '$python -m venv' does not work. On Debian: sudo apt-get install python3-venv" >&2
    exit 1
  fi
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
