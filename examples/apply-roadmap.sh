#!/usr/bin/env bash
# Apply the roadmap (config/phases.yaml) to a fresh copy of the example platform.
#   examples/apply-roadmap.sh                 phases 1 and 4: config edits and generated files
#   examples/apply-roadmap.sh --all --dry-run any pytest/orchestrate options replace the default selection
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
target="${ORCHESTRATE_DEMO_TARGET:-$here/build/educonnect}"  # where the copy goes

rm -rf "$target"
mkdir -p "$(dirname "$target")"
# The copy is what gets edited; examples/ itself is never touched.
(cd "$here/examples" && tar --exclude=node_modules --exclude=coverage -cf - educonnect) | (cd "$(dirname "$target")" && tar -xf -)
(cd "$target" && npm ci --no-audit --no-fund --loglevel=error)

selection=("$@")
[ ${#selection[@]} -eq 0 ] && selection=(--phase 1 --phase 4)
cd "$here"
# Records are kept per project root and checked against the disk, so `orchestrate status
# --project-root=build/educonnect` reports this run, and a fresh copy is never taken for done.
orchestrate run "${selection[@]}" --project-root "$target" -v -rs

echo
echo "== the example's own test suite, after the roadmap =="
(cd "$target" && npx jest --coverage --ci --silent)
