#!/usr/bin/env bash
# The one test command (README, .ci/run): install into .venv, lint, type-check, test.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=25.1"
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . --group dev
.venv/bin/ruff check pytest_manylinux tests scripts
.venv/bin/ruff format --check pytest_manylinux tests scripts
.venv/bin/mypy
set +e
.venv/bin/python -m pytest -n 2 "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure" >&2
  exit 1
fi
exit "$status"
