#!/usr/bin/env bash
# Install everything the course needs on a fresh Debian/Ubuntu machine:
# Graphviz (system package, for model diagrams) and a Python virtual
# environment in .venv with requirements.txt (labsupport included, editable).
# Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v dot >/dev/null 2>&1; then
  echo "== installing Graphviz (dot)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq graphviz
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv || {
    echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv first" >&2
    exit 1
  }
fi
echo "== installing Python packages (requirements.txt)"
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -r requirements.txt
echo "== ready: activate with '. .venv/bin/activate'"
