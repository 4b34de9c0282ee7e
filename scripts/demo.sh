#!/usr/bin/env bash
# The main job on a fresh machine: a local 3-broker cluster, a short measurement, then down.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/demo-cluster
trap 'bin/kbench cluster down --dir "$dir" >/dev/null 2>&1 || true' EXIT
bin/kbench cluster down --dir "$dir" --wipe >/dev/null 2>&1 || true
bootstrap=$(bin/kbench cluster up --dir "$dir")
bin/kbench cluster status --dir "$dir"
echo "cluster up at $bootstrap"
