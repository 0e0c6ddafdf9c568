#!/usr/bin/env bash
# One irc-loadgen run against a fresh Parley, with the shape of the run: deliveries per second
# and the server's CPU µs per delivery for each second (from /proc/PID/stat, sampled every
# 0.25 s), so a warm-up ramp or a stall shows even on a busy machine (docs/benchmarks.md).
# Needs irc-loadgen, built by ../shared/bench/run-peers.sh into ~/.cache/parley-bench/loadgen.
# Usage: bench/series-loadgen.sh LABEL TEST [extra `parley serve` arguments…]
#   TEST: fanout200 | fanout1000 | pairs100 | idle10k
#   DLL (default: this tree's Release build), SECS (12) measured seconds, WARM (3) warm-up
#   seconds (0: the series starts at the first message). DOTNET_* variables pass through to the
#   server. Appends the JSON (with "label", "test" and the DOTNET_ settings) to ${OUT:-bench-results/series.jsonl}.
set -u
label=$1 test=$2; shift 2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dll=${DLL:-$here/src/Parley.Cli/bin/Release/net10.0/parley.dll}
LG=${LG:-$HOME/.cache/parley-bench/loadgen/bin/LoadGen/release/irc-loadgen.dll}
out=${OUT:-bench-results/series.jsonl}
mkdir -p "$(dirname "$out")"
port=$((30000 + RANDOM % 20000))
dir=$(mktemp -d "${TMPDIR:-/tmp}/parley-series-XXXX")
secs=${SECS:-12} warm=${WARM:-3}
case $test in
  idle10k) args=(idle --clients 10000 --concurrency 1000);;
  fanout200) args=(fanout --clients 200 --senders 10 --seconds "$secs" --warmup "$warm" --window 32);;
  fanout1000) args=(fanout --clients 1000 --senders 5 --seconds "$secs" --warmup "$warm" --window 32);;
  pairs100) args=(pairs --pairs 100 --seconds "$secs" --warmup "$warm" --window 32);;
  *) echo "unknown test $test" >&2; exit 2;;
esac
taskset -c 0 dotnet "$dll" serve --listen "127.0.0.1:$port" --data-dir "$dir/data" --no-flood-limits "$@" >"$dir/server.log" 2>&1 &
spid=$!
for _ in $(seq 1 150); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
# The server's CPU ticks (utime + stime) every 0.25 s, with the time.
( while kill -0 "$spid" 2>/dev/null; do
    echo "$(date +%s.%N) $(awk '{print $14 + $15}' "/proc/$spid/stat" 2>/dev/null)"
    sleep 0.25
  done ) >"$dir/cpu.log" 2>/dev/null &
mon=$!
started=$(date +%s.%N)
line=$(timeout 600 taskset -c 1 dotnet "$LG" "${args[@]}" --host 127.0.0.1 --port "$port" --pid "$spid" --label "$label" 2>"$dir/loadgen.log" | tail -1)
kill -TERM "$spid"
wait "$spid" 2>/dev/null
kill "$mon" 2>/dev/null
if [ "${line:0:1}" != "{" ]; then
  echo "$label $test: no result; see $dir" >&2
  exit 1
fi
settings=$(env | grep '^DOTNET_' | grep -v '^DOTNET_CLI\|^DOTNET_NOLOGO\|^DOTNET_GENERATE' | tr '\n' ' ')
echo "{\"label\":\"$label\",\"test\":\"$test\",\"dotnet_settings\":\"$settings\",${line:1}" >>"$out"
echo "$line" | python3 -c '
import json, re, sys
label, test, started, dir = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
d = json.loads(sys.stdin.read())
keys = ["deliveries_per_sec", "messages_per_sec", "server_cpu_us_per_delivery", "server_cpu_us_per_message",
        "server_cpu_util", "other_cpu_cores", "bytes_per_connection", "server_cpu_us_per_registration",
        "disconnects", "gaps", "out_of_order"]
print(label, test, {k: d[k] for k in keys if k in d})
lat = d.get("latency_us")
if lat:
    print("  latency ms: p50 %.1f p99 %.1f" % (lat["p50"] / 1000, lat["p99"] / 1000))
series = d.get("deliveries_per_second_series")
if not series:
    sys.exit(0)
print("  per second:", " ".join("%.0f" % x for x in series))
# The measured window starts after the load generator logged "warm-up Ns".
t0 = None
for l in open(dir + "/loadgen.log"):
    m = re.search(r"\[loadgen\s+([\d.]+)s\].*warm-up (\d+)s", l)
    if m:
        t0 = started + float(m.group(1)) + float(m.group(2))
samples = [tuple(map(float, l.split())) for l in open(dir + "/cpu.log") if len(l.split()) == 2]
def ticks(t):
    for (a, ca), (b, cb) in zip(samples, samples[1:]):
        if a <= t <= b:
            return ca + (cb - ca) * (t - a) / (b - a)
    return None
if t0 is not None:
    costs = []
    for i, x in enumerate(series):
        a, b = ticks(t0 + i), ticks(t0 + i + 1)
        costs.append("%.3f" % ((b - a) * 1e6 / 100 / x) if a is not None and b is not None and x else "?")
    print("  server CPU us per delivery, per second:", " ".join(costs))
' "$label" "$test" "$started" "$dir"
rm -rf "$dir"
