#!/usr/bin/env bash
# The one install path of the course: Graphviz (for model diagrams) when it is
# missing, everything in requirements.txt (labsupport included, editable)
# into the Python given by $PYTHON (default: python3 on the PATH), and the
# live pages' JavaScript runtime (web/package-lock.json, pinned) with npm.
#
#   bash tools/install.sh                          # into the current Python
#   PYTHON=.venv/bin/python bash tools/install.sh  # into a virtual environment
#   bash tools/install.sh "tensorflow[and-cuda]==2.21.0"   # extra packages
#
# tools/setup.sh (the README, CI), binder/postBuild and the GitHub workflows
# all call this script. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"

if ! command -v dot >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }; then
    echo "== installing Graphviz (dot)"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq graphviz
  else
    echo "== Graphviz's 'dot' is missing and cannot be installed here: model diagrams" \
         "will be replaced by a text note (install the graphviz package to get them)"
  fi
fi

echo "== installing Python packages (requirements.txt) into $("$PYTHON" -c 'import sys; print(sys.prefix)')"
"$PYTHON" -m pip install -q --upgrade pip
"$PYTHON" -m pip install -q -r requirements.txt "$@"

# The live pages' runtime (TensorFlow.js) and the site checks' axe-core, at the
# versions in web/package-lock.json. The build copies the runtime into the site.
# LABSUPPORT_SKIP_WEB=1 skips it where no site is built (Binder's notebooks).
if [ "${LABSUPPORT_SKIP_WEB:-}" = "1" ]; then
  echo "== LABSUPPORT_SKIP_WEB=1: not installing the live pages' JavaScript runtime"
elif command -v npm >/dev/null 2>&1; then
  echo "== installing the live pages' JavaScript runtime (web/package-lock.json)"
  npm ci --prefix web --ignore-scripts --no-audit --no-fund --loglevel=error
else
  echo "== npm is missing: the site will be built without its live pages' runtime" \
       "(install Node.js and npm, then run this script again)"
fi
