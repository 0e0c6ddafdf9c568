#!/usr/bin/env bash
# Starts a cluster (scripts/cluster-up: PostgreSQL and three nodes on loopback), runs
# cluster-join-stall.py against it (JOINs from node 1 while PostgreSQL is stopped), keeps the
# nodes' logs in ${OUT:-bench-results/cluster-join-stall-HHMMSS}/, and stops everything.
# Usage (from the project root): bench/faults/cluster-join-stall.sh [JOINERS] [STALL_SECONDS]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
out=${OUT:-bench-results/cluster-join-stall-$(date -u +%H%M%S)}
work=$(mktemp -d /tmp/parley-join-stall.XXXXXX)
chmod 755 "$work"  # PostgreSQL runs as postgres and must reach its directory inside
base=$((30000 + RANDOM % 20000))
trap 'mkdir -p "$out"; cp "$work"/cluster/node*.log "$out"/ 2>/dev/null || true; scripts/cluster-down "$work/cluster" >/dev/null 2>&1 || true; rm -rf "$work"; echo "node logs in $out"' EXIT
PARLEY_Server__Flood__Enabled=false NODES=3 IRC_PORT=$base HTTP_PORT=$((base + 100)) SILO_PORT=$((base + 200)) \
    scripts/cluster-up "$work/cluster" >/dev/null
python3 bench/faults/cluster-join-stall.py "$work/cluster" "$@"
