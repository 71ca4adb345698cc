#!/usr/bin/env bash
# Install everything the course needs on a fresh Debian/Ubuntu machine: a
# virtual environment in .venv, filled by tools/install.sh (Graphviz and
# requirements.txt, labsupport included, editable). Extra arguments are
# passed on to pip (e.g. "tensorflow[and-cuda]==2.21.0" on a GPU runner).
# Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv || {
    echo "python3 -m venv failed: on Debian/Ubuntu install python3-venv first" >&2
    exit 1
  }
fi
PYTHON=.venv/bin/python bash tools/install.sh "$@"
echo "== ready: activate with '. .venv/bin/activate'"
