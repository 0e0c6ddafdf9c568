#!/usr/bin/env bash
# A/B runs of two Parley builds with irc-loadgen, for a machine that is not quiet: alternate the
# builds and compare server CPU µs per delivery (see docs/benchmarks.md).
# Needs irc-loadgen, built by ../shared/bench/run-peers.sh into ~/.cache/parley-bench/loadgen.
# Usage: bench/ab-loadgen.sh LABEL PARLEY_DLL TEST [extra `parley serve` arguments…]
#   TEST: fanout200 | fanout1000 | pairs100 | idle10k;  SECS (default 8) = measured window.
# Appends the load generator's JSON (with "label" and "test") to ${OUT:-bench-results/ab.jsonl}
# and prints the figures that compare.
set -u
label=$1 dll=$2 test=$3; shift 3
LG=${LG:-$HOME/.cache/parley-bench/loadgen/bin/LoadGen/release/irc-loadgen.dll}
out=${OUT:-bench-results/ab.jsonl}
mkdir -p "$(dirname "$out")"
port=$((30000 + RANDOM % 20000))
dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-ab-XXXX")
case $test in
  idle10k) args=(idle --clients 10000 --concurrency 1000);;
  fanout200) args=(fanout --clients 200 --senders 10 --seconds "${SECS:-8}" --warmup 3 --window 32);;
  fanout1000) args=(fanout --clients 1000 --senders 5 --seconds "${SECS:-8}" --warmup 3 --window 32);;
  pairs100) args=(pairs --pairs 100 --seconds "${SECS:-8}" --warmup 3 --window 32);;
  *) echo "unknown test $test" >&2; exit 2;;
esac
taskset -c 0 dotnet "$dll" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --no-flood-limits "$@" >"$dir/server.log" 2>&1 &
spid=$!
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
line=$(timeout 600 taskset -c 1 dotnet "$LG" "${args[@]}" --host 127.0.0.1 --port "$port" --pid "$spid" --label "$label" 2>"$dir/loadgen.log" | tail -1)
kill -TERM "$spid"
wait "$spid" 2>/dev/null
if [ "${line:0:1}" != "{" ]; then
  echo "$label $test: no result; see $dir" >&2
  exit 1
fi
echo "{\"label\":\"$label\",\"test\":\"$test\",${line:1}" >>"$out"
echo "$line" | python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
keys = ["deliveries_per_sec", "messages_per_sec", "server_cpu_us_per_delivery", "server_cpu_us_per_message",
        "server_cpu_util", "other_cpu_cores", "bytes_per_connection", "server_cpu_us_per_registration",
        "disconnects", "gaps", "out_of_order"]
print(sys.argv[1], sys.argv[2], {k: d[k] for k in keys if k in d})' "$label" "$test"
rm -rf "$dir"
