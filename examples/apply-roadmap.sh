#!/usr/bin/env bash
# Apply the whole roadmap (config/phases.yaml) to a fresh copy of the example platform.
#   examples/apply-roadmap.sh                   the plan, then every phase (-n auto), then a summary
#   examples/apply-roadmap.sh --phase 1 --phase 4   any pytest/orchestrate options replace the default
# The roadmap's project_root is that copy (build/educonnect), so pytest/orchestrate commands run
# from this checkout afterwards act on it: the run ends with the one that finishes the manual steps.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
target="${ORCHESTRATE_DEMO_TARGET:-$here/build/educonnect}"  # where the copy goes

rm -rf "$target"
mkdir -p "$(dirname "$target")"
# The copy is what gets edited; examples/ itself is never touched.
(cd "$here/examples" && tar --exclude=node_modules --exclude=coverage -cf - educonnect) | (cd "$(dirname "$target")" && tar -xf -)
(cd "$target" && npm ci --no-audit --no-fund --loglevel=error)

selection=("$@")
[ ${#selection[@]} -eq 0 ] && selection=(--all -n auto)
cd "$here"
# Records are kept per project root; an earlier copy at this path left some (a manual step's
# confirmation, coverage baselines) that this fresh copy must not inherit.
orchestrate forget --project-root "$target" -q
echo "== the plan =="
orchestrate plan --project-root "$target"
echo
echo "== applying it to $target =="
# Records are kept per project root and checked against the disk, so `orchestrate status`
# reports this run, and a fresh copy is never taken for done.
orchestrate run "${selection[@]}" --project-root "$target" -v -rs
