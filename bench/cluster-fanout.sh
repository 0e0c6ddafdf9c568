#!/usr/bin/env bash
# Issue 9's fan-out figure: one channel whose members are spread over the three nodes of a local
# cluster (scripts/cluster-up: a private PostgreSQL and three `parley serve --cluster` nodes on
# loopback), senders on every node, each message acknowledged by a receiver on another node than
# its sender; and the same load against one single `parley serve` with the same total clients,
# so the cost of crossing nodes shows. The load is bench/Parley.ClusterLoad (parley-clusterload),
# which prints one JSON line per run: deliveries/s, latency (same-node and cross-node apart),
# gaps and reorderings per (sender, receiver) pair, disconnects, each node's CPU.
#
# Usage (from the project root): bench/cluster-fanout.sh
#   RUNS (3)                 repeats; the cluster and the single node alternate inside a repeat
#   SHAPES ("200:10 1000:5") clients:senders of each measurement
#   SECS (20), WARMUP (3), WINDOW (8), ACK (designated|all)   the tool's --seconds, --warmup, --window, --ack
#   WARM_SECS (10)           a first run against each server, not recorded: the nodes compile the
#                            cluster's message paths during their first seconds of load (tiered JIT;
#                            a process pinned to one CPU waits ten times longer before recompiling)
#   SERVER_CPUS (0), LOADGEN_CPUS (1)   taskset CPU lists: every server process (the nodes,
#                            PostgreSQL, the single node) on SERVER_CPUS, the load on LOADGEN_CPUS;
#                            empty: no pinning
#   CLUSTER_DIR              measure a cluster scripts/cluster-up already runs there instead of
#                            starting one (it is left running; its nodes must have flood control off:
#                            start it with PARLEY_Server__Flood__Enabled=false)
#   TARGETS ("cluster single")  which servers to measure
#   OUT (bench-results/cluster-fanout.jsonl)   the JSON lines are appended there; when a run fails
#                            or is not clean, the servers' logs are kept beside it (OUT minus
#                            .jsonl, plus -logs-HHMMSS/)
# Everything it starts (cluster, single node) is stopped at the end, whatever happens.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
runs=${RUNS:-3}
shapes=${SHAPES:-"200:10 1000:5"}
secs=${SECS:-20}
warmup=${WARMUP:-3}
window=${WINDOW:-8}
ack=${ACK:-designated}
warm_secs=${WARM_SECS:-10}
targets=${TARGETS:-cluster single}
failed=
server_cpus=${SERVER_CPUS-0}
loadgen_cpus=${LOADGEN_CPUS-1}
out=${OUT:-bench-results/cluster-fanout.jsonl}
mkdir -p "$(dirname "$out")"

pin() { # pin CPUS COMMAND...: run COMMAND on CPUS (or unpinned when CPUS is empty)
    local cpus=$1; shift
    if [[ -n $cpus ]]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

echo "building (Release)..."
dotnet build src/Parley.Cli -c Release -v q -nologo >/dev/null
dotnet build bench/Parley.ClusterLoad -c Release -v q -nologo >/dev/null
parley=$root/src/Parley.Cli/bin/Release/net10.0/parley
load=$root/bench/Parley.ClusterLoad/bin/Release/net10.0/parley-clusterload.dll

# The benchmark's load is a flood by design; flood control would measure the limiter instead.
export PARLEY_Server__Flood__Enabled=false

work=$(mktemp -d /tmp/parley-cluster-fanout.XXXXXX)
chmod 755 "$work"  # PostgreSQL runs as postgres and must reach its directory inside
base=$((30000 + RANDOM % 20000))
single_pid=
cleanup() {
    if [[ -n $failed ]]; then
        local keep; keep=${out%.jsonl}-logs-$(date -u +%H%M%S)
        mkdir -p "$keep"
        cp "$cluster"/node*.log "$work"/single.log "$work"/*.err "$keep"/ 2>/dev/null || true
        echo "logs kept in $keep"
    fi
    [[ -n $single_pid ]] && kill -TERM "$single_pid" 2>/dev/null && { timeout 15 tail --pid="$single_pid" -f /dev/null || kill -KILL "$single_pid" 2>/dev/null; } || true
    [[ -z ${CLUSTER_DIR:-} && -d $work/cluster ]] && scripts/cluster-down "$work/cluster" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

if [[ -n ${CLUSTER_DIR:-} ]]; then
    cluster=$CLUSTER_DIR
    echo "reusing the cluster in $cluster (left running)"
else
    cluster=$work/cluster
    echo "starting the cluster (3 nodes + PostgreSQL on CPUs ${server_cpus:-any})..."
    NODES=3 IRC_PORT=$base HTTP_PORT=$((base + 100)) SILO_PORT=$((base + 200)) \
        pin "$server_cpus" scripts/cluster-up "$cluster" >/dev/null
fi
ports=() pids=()
for log in "$cluster"/node*.log; do
    n=${log##*/node}; n=${n%.log}
    ports+=("$(grep -m1 -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | sed 's/.*://')")
    pids+=("$(cat "$cluster/node$n.pid")")
done
((${#ports[@]} >= 2)) || { echo "cluster-fanout: no cluster nodes found in $cluster" >&2; exit 1; }

single_port=$((base + 50))
echo "starting the single node on CPUs ${server_cpus:-any}..."
setsid bash -c 'exec "$@"' _ $( [[ -n $server_cpus ]] && echo taskset -c "$server_cpus" ) "$parley" serve \
    --listen "127.0.0.1:$single_port" --no-http --data-dir "$work/single" --name single.parley.local \
    >"$work/single.log" 2>&1 </dev/null &
single_pid=$!
for _ in $(seq 600); do
    grep -q ' ready' "$work/single.log" && break
    kill -0 "$single_pid" 2>/dev/null || { cat "$work/single.log" >&2; exit 1; }
    sleep 0.1
done
grep -q ' ready' "$work/single.log" || { echo "cluster-fanout: the single node did not start in 60 s" >&2; exit 1; }

summary='
import json, sys
r = json.loads(sys.stdin.read())
l, s, c = r["latency_us"], r["same_node_latency_us"], r["cross_node_latency_us"]
cpu = " ".join("%.2f" % (x["cores"] or 0) for x in r["server_cpu"])
print("%-22s %9.0f deliveries/s %7.0f sent/s  p50 %6.1f p99 %7.1f ms (same-node p99 %6.1f, cross-node p99 %6.1f)  gaps %d reorder %d missing %d disc %d  server cores [%s] %.2f us/delivery  load %s" % (
    r["label"], r["deliveries_per_sec"], r["sent_per_sec"], l["p50"] / 1000, l["p99"] / 1000,
    s["p99"] / 1000, c["p99"] / 1000, r["gaps"], r["out_of_order"], r["missing_after_drain"],
    r["disconnects"], cpu, r["server_cpu_us_per_delivery"] or 0, r["loadavg_start"]))'

measure() { # measure LABEL CLIENTS SENDERS CHANNEL PORTS PIDS [SECONDS [OUT]]
    local label=$1 clients=$2 senders=$3 channel=$4 ports=$5 pids=$6 seconds=${7:-$secs} results=${8:-$out} rc=0
    pin "$loadgen_cpus" dotnet "$load" --ports "$ports" --pids "$pids" --clients "$clients" --senders "$senders" \
        --window "$window" --ack "$ack" --seconds "$seconds" --warmup "$warmup" --channel "$channel" \
        --label "$label" >"$work/run.json" 2>"$work/run.err" || rc=$?
    cp "$work/run.err" "$work/${label//\//_}.err"  # labels hold a slash (200/10)
    if [[ ! -s $work/run.json ]]; then
        failed=1
        echo "$label: no result (exit $rc):" >&2
        tail -n 5 "$work/run.err" >&2
        return 0
    fi
    tee -a "$results" <"$work/run.json" | python3 -c "$summary"
    ((rc == 0)) || { failed=1; echo "  $label: NOT CLEAN (exit $rc):"; grep -E 'NOT CLEAN|lost' "$work/run.err" | head -5; }
}

cluster_ports=$(IFS=,; echo "${ports[*]}")
cluster_pids=$(IFS=,; echo "${pids[*]}")
echo "cluster: ports $cluster_ports (pids $cluster_pids); single node: port $single_port (pid $single_pid)"
if ((warm_secs > 0)); then
    first=${shapes%% *}
    echo "warm-up runs (${warm_secs} s each, not recorded):"
    if [[ $targets == *cluster* ]]; then measure "warm-cluster3" "${first%%:*}" "${first##*:}" "#fan-warm-c" "$cluster_ports" "$cluster_pids" "$warm_secs" /dev/null; fi
    if [[ $targets == *single* ]]; then measure "warm-single" "${first%%:*}" "${first##*:}" "#fan-warm-s" "$single_port" "$single_pid" "$warm_secs" /dev/null; fi
fi
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$runs"); do
    for shape in $shapes; do
        clients=${shape%%:*} senders=${shape##*:}
        if [[ $targets == *cluster* ]]; then measure "cluster3-$clients/$senders-r$r" "$clients" "$senders" "#fan-c$clients-$r" "$cluster_ports" "$cluster_pids"; fi
        if [[ $targets == *single* ]]; then measure "single-$clients/$senders-r$r" "$clients" "$senders" "#fan-s$clients-$r" "$single_port" "$single_pid"; fi
    done
done
echo "results appended to $out"
