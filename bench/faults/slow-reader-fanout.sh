#!/bin/bash
# Needs irc-loadgen, built by ../shared/bench/run-peers.sh into ~/.cache/parley-bench/loadgen (see ../shared/bench/README.md).
# $1 = with|without slow reader
rm -rf ${TMPDIR:-/tmp}/parley-slowbench && mkdir ${TMPDIR:-/tmp}/parley-slowbench
taskset -c 0 dotnet src/Parley.Cli/bin/Release/net10.0/parley.dll serve --listen 127.0.0.1:6841 --no-http --data-dir ${TMPDIR:-/tmp}/parley-slowbench --name My.Little.Server --no-flood-limits > ${TMPDIR:-/tmp}/parley-slowbench/log 2>&1 &
for i in $(seq 50); do ss -ltn | grep -q ":6841 " && break; sleep 0.2; done
PID=$(pgrep -f "listen 127.0.0.1:6841" | head -1)
if [ "$1" = with ]; then python3 bench/faults/slow-reader.py 6841 25 & sleep 1; fi
taskset -c 1 dotnet ~/.cache/parley-bench/loadgen/bin/LoadGen/release/irc-loadgen.dll fanout --pid $PID --port 6841 --clients 200 --senders 10 --seconds 10 --window 32 2>/dev/null | python3 bench/faults/summarize-fanout.py $1
wait %2 2>/dev/null
kill $PID; wait 2>/dev/null
