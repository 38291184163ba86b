#!/usr/bin/env bash
# Every check and test: lint, translations, migrations, deploy checks, then the test suite on
# SQLite and on PostgreSQL (skipped, loudly, only when no PostgreSQL answers).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export PEERARMY_HOME="$PWD"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "system packages for the browser test and the catalogue check"
bash scripts/system_deps.sh

step "ruff (lint and format)"
$BIN/ruff check .
$BIN/ruff format --check .

step "translations: the Italian catalogue is complete and up to date"
$BIN/python scripts/i18n.py check

step "migrations match the models"
PEERARMY_TESTING=1 $BIN/python manage.py makemigrations --check --dry-run

step "deploy checks with production settings"
DEBUG=0 PEERARMY_TESTING=0 ALLOWED_HOSTS=peerarmy.example \
  SECRET_KEY="$($BIN/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  DATABASE_URL="sqlite:///$PWD/var/deploy-check.sqlite3" \
  $BIN/python manage.py check --deploy --fail-level WARNING

export PEERARMY_TESTING=1
workers="${PYTEST_WORKERS:-2}"

step "tests on SQLite"
DATABASE_URL="sqlite:///$PWD/var/test.sqlite3" $BIN/pytest -n "$workers" -q "$@"

PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/peerarmy}"
step "tests on PostgreSQL ($PG_URL)"
if $BIN/python scripts/pg_ready.py "$PG_URL"; then
  DATABASE_URL="$PG_URL" $BIN/pytest -n "$workers" -q "$@"
else
  printf '\n\033[1;31m!!! PostgreSQL is not reachable at %s: the PostgreSQL run was SKIPPED. !!!\033[0m\n\n' "$PG_URL"
fi
