#!/usr/bin/env bash
# Installs sailint from the action's own checkout (the ref the workflow pinned) into a private venv.
set -euo pipefail
: "${SAILINT_PYTHON:?the Python interpreter to use}"
: "${SAILINT_VENV:?where to create the virtual environment}"
: "${GITHUB_ACTION_PATH:?the action checkout}"
"$SAILINT_PYTHON" -m venv "$SAILINT_VENV"
"$SAILINT_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"
"$SAILINT_VENV/bin/sailint" --version
