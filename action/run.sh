#!/usr/bin/env bash
# Runs the scan for action.yml. Every input arrives through SAILINT_* environment variables, never
# through ${{ }} expansion inside the script, so no input can inject shell code.
set -uo pipefail
venv=${SAILINT_VENV:?the virtual environment made by install.sh}
sarif=${SAILINT_SARIF:-sailint.sarif}
report_dir="${RUNNER_TEMP:?}/sailint-report"
mkdir -p "$report_dir" "$(dirname -- "$sarif")"
markdown="$report_dir/report.md"
rm -f -- "$sarif" "$markdown"

args=(scan --format text --format "sarif:$sarif" --format "markdown:$markdown"
  --fail-on "${SAILINT_FAIL_ON:-warning}")
if [[ -n "${SAILINT_DIFF_BASE:-}" ]]; then args+=(--diff "$SAILINT_DIFF_BASE"); fi
if [[ -n "${SAILINT_BASELINE:-}" ]]; then args+=(--baseline "$SAILINT_BASELINE"); fi
if [[ -n "${SAILINT_SOURCE_URL:-}" ]]; then args+=(--source-url "$SAILINT_SOURCE_URL"); fi
# Word splitting only (no globbing, no evaluation): extra arguments and paths are space-separated.
set -f
read -r -a extra <<<"${SAILINT_ARGS:-}"
read -r -a paths <<<"${SAILINT_PATHS:-.}"
set +f
if [[ ${#paths[@]} -eq 0 ]]; then paths=(.); fi
args+=("${extra[@]}" -- "${paths[@]}")

echo "::group::sailint ${args[*]}"
"$venv/bin/sailint" "${args[@]}"
rc=$?
echo "::endgroup::"

"$venv/bin/python" "${GITHUB_ACTION_PATH:?}/action/outputs.py" \
  --sarif "$sarif" --markdown "$markdown" --exit-code "$rc" --summary "${SAILINT_SUMMARY:-true}"
outputs_rc=$?
if [[ $outputs_rc -ne 0 ]]; then exit "$outputs_rc"; fi
# 0 and 1 are results (the last action step applies fail-on after the upload); anything else is a
# usage or internal error and fails here.
if [[ $rc -gt 1 ]]; then exit "$rc"; fi
exit 0
