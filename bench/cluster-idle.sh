#!/usr/bin/env bash
# Issue 9's scale figure: idle registered clients held at once by the nodes of a local cluster
# (scripts/cluster-up: a private PostgreSQL and three nodes on loopback), one irc-loadgen
# `idle` run per node, all at the same time (one process may open only 20,000 descriptors
# here, so one node cannot hold them all). Prints, per node, the registered count, RSS per
# connection and server CPU per registration (the load generator's JSON), and how many were
# connected at once, counted with ss while every load generator was idling.
#
# Usage (from the project root): bench/cluster-idle.sh [CLIENTS_PER_NODE]   (default 17000)
#   IDLE (default 120): seconds each load generator holds its clients after registering.
#   Results: JSON lines appended to ${OUT:-bench-results/cluster-idle.jsonl}.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
per=${1:-17000}
nodes=3
idle=${IDLE:-120}
out=${OUT:-bench-results/cluster-idle.jsonl}
work=${PARLEY_BENCH_WORK:-${XDG_CACHE_HOME:-$HOME/.cache}/parley-bench}
lg=$work/loadgen/bin/LoadGen/release/irc-loadgen.dll
if [[ ! -f $lg ]]; then
    echo "building irc-loadgen..."
    (cd ../shared/bench && dotnet build -c Release -v q -nologo LoadGen.csproj --artifacts-path "$work/loadgen") >/dev/null
fi
mkdir -p "$(dirname "$out")"
dir=$(mktemp -d /tmp/parley-cluster-idle.XXXXXX)
chmod 755 "$dir"  # PostgreSQL runs as postgres and must reach its directory inside
base=$((30000 + RANDOM % 20000))
trap 'scripts/cluster-down "$dir/cluster" >/dev/null 2>&1 || true' EXIT
NODES=$nodes IRC_PORT=$base HTTP_PORT=$((base + 100)) SILO_PORT=$((base + 200)) scripts/cluster-up "$dir/cluster" >/dev/null

for n in $(seq 1 $nodes); do
    pid=$(cat "$dir/cluster/node$n.pid")
    dotnet "$lg" idle --pid "$pid" --port $((base + n - 1)) --clients "$per" --idle-seconds "$idle" \
        --timeout 1800 --label "node$n" >"$dir/lg$n.json" 2>"$dir/lg$n.err" &
done

# Once every load generator says it is idling, count the connections each node holds.
for _ in $(seq 1 3600); do
    ready=0
    for n in $(seq 1 $nodes); do grep -q 'idling' "$dir/lg$n.err" && ready=$((ready + 1)); done
    ((ready == nodes)) && break
    sleep 0.5
done
total=0
for n in $(seq 1 $nodes); do
    c=$(ss -Htn state established "( sport = :$((base + n - 1)) )" | wc -l)
    echo "node$n holds $c connections"
    total=$((total + c))
done
echo "held at once: $total"
wait
summary='
import json, sys
r = json.loads(sys.stdin.read())
print("%s: %d/%d registered, %.0f bytes/connection, %.0f us CPU/registration, %.0f registrations/s, other load %.2f cores" % (
    r["server"], r["clients_registered"], r["clients_target"], r["bytes_per_connection"],
    r["server_cpu_us_per_registration"], r["registrations_per_sec"], r["other_cpu_cores"]))'
for n in $(seq 1 $nodes); do
    tail -n 1 "$dir/lg$n.json" | tee -a "$out" | python3 -c "$summary"
done
