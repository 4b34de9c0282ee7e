#!/usr/bin/env bash
# The main job on a fresh machine: kbench starts a local 3-broker Kafka cluster, sweeps the shipped
# durability-ladder profile (one reliability level per step), draws the charts, writes an HTML
# report, and stops the cluster it started.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${KBENCH_DEMO_OUT:-results/demo}
dir=.cache/demo-cluster
# Replace an earlier demo's results, and nothing else: KBENCH_DEMO_OUT may name any folder.
if [ -e "$out" ]; then
  if [ -f "$out/index.json" ] && grep -q '"format_version"' "$out/index.json" && grep -q '"run_id"' "$out/index.json"; then
    rm -rf "$out"
  else
    echo "demo: $out exists and is not a kbench results folder (no kbench index.json): set KBENCH_DEMO_OUT to a new folder" >&2
    exit 2
  fi
fi
bin/kbench cluster down --dir "$dir" --wipe >/dev/null 2>&1 || true
echo "demo: time budget about 6 minutes on 2 cores: cluster start and warm-up ~30 s, 7 rungs x (saturation + fixed load) x 3 repetitions = 42 measurements of ~7.5 s, charts and report ~30 s"
bin/kbench sweep --profile durability-ladder --out "$out" --cluster-dir "$dir"
bin/kbench report --in "$out" --format html --out "$out/report.html"
echo
echo "charts: $out/plots/"
echo "report: $out/report.html"
