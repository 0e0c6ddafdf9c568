#!/usr/bin/env python3
"""JOINs through a cluster while PostgreSQL is stalled (issue 9; see README.md here).

Usage (from the project root, with a cluster scripts/cluster-up started in DIR):
    bench/faults/cluster-join-stall.py DIR [JOINERS] [STALL_SECONDS]

bee (on node 2) joins #stall first, so node 2 holds the channel's replica. Then every process of
DIR's private PostgreSQL is stopped (SIGSTOP) and JOINERS clients on node 1 (default 10) send
JOIN #stall at once; PostgreSQL is continued (SIGCONT) after STALL_SECONDS (default 40). Each
joiner's first answer to its JOIN (the JOIN echo, a numeric, ERROR) and when it came are printed,
or "no answer" after 90 s. Then everyone asks NAMES #stall and bee says one line: node 1's and
node 2's views of the channel are printed side by side, and who got bee's line.
Loopback only; every wait is bounded.
"""
import os, re, signal, socket, subprocess, sys, time

LOOPBACK = "127.0.0.1"


class Client:
    def __init__(self, port, nick):
        self.nick = nick
        self.sock = socket.create_connection((LOOPBACK, port), timeout=10)
        self.buf = b""
        self.send(f"NICK {nick}\r\nUSER {nick} 0 * :{nick}\r\n")

    def send(self, text):
        self.sock.sendall(text.encode())

    def lines(self, until):
        """Yields lines until the deadline (time.monotonic()), answering PINGs."""
        while True:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.rstrip(b"\r").decode(errors="replace")
                if line.startswith("PING"):
                    self.send("PONG" + line[4:] + "\r\n")
                    continue
                yield line
            left = until - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            if not data:
                yield "(connection closed)"
                return
            self.buf += data

    def wait_for(self, pattern, seconds):
        deadline = time.monotonic() + seconds
        for line in self.lines(deadline):
            if re.search(pattern, line):
                return line
        return None


def node_port(cluster, n):
    log = open(os.path.join(cluster, f"node{n}.log")).read()
    return int(re.search(r"listening on 127\.0\.0\.1:(\d+)", log).group(1))


def postgres_pids(cluster):
    master = int(open(os.path.join(cluster, "postgres", "data", "postmaster.pid")).readline())
    children = subprocess.run(["ps", "--ppid", str(master), "-o", "pid="], capture_output=True, text=True).stdout.split()
    return [master] + [int(p) for p in children]


def names(client, channel, seconds=20):
    # Lines read before (the JOIN's own NAMES) are skipped: PING is answered after them.
    client.send("PING :sync\r\n")
    if not client.wait_for(r"PONG .*sync", seconds):
        return None
    client.send(f"NAMES {channel}\r\n")
    seen = []
    deadline = time.monotonic() + seconds
    for line in client.lines(deadline):
        m = re.match(r":\S+ 353 \S+ . (\S+) :?(.*)", line)
        if " 353 " in line or " 366 " in line or " 403 " in line:
            print(f"    {client.nick} < {line[:150]}")
        if m:
            seen += [n.lstrip("@+") for n in m.group(2).split()]
        if re.match(r":\S+ 366 ", line):
            return sorted(seen)
    return None


def main():
    cluster = sys.argv[1]
    joiners = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    stall = float(sys.argv[3]) if len(sys.argv) > 3 else 40
    channel = "#stall"
    p1, p2 = node_port(cluster, 1), node_port(cluster, 2)

    bee = Client(p2, "bee")
    assert bee.wait_for(r" (376|422) ", 30), "bee did not register"
    bee.send(f"JOIN {channel}\r\n")
    assert bee.wait_for(r" 366 ", 30), "bee could not join"
    clients = [Client(p1, f"j{i}") for i in range(joiners)]
    for c in clients:
        assert c.wait_for(r" (376|422) ", 30), f"{c.nick} did not register"  # the end of registration

    pids = postgres_pids(cluster)
    for p in pids:
        os.kill(p, signal.SIGSTOP)
    started = time.monotonic()
    print(f"PostgreSQL stopped ({len(pids)} processes); {joiners} clients on node 1 send JOIN {channel}", flush=True)
    for c in clients:
        c.send(f"JOIN {channel}\r\n")
    answers = {}
    resumed = False
    try:
        deadline = started + 90
        pending = list(clients)
        while pending and time.monotonic() < deadline:
            if not resumed and time.monotonic() - started >= stall:
                for p in pids:
                    os.kill(p, signal.SIGCONT)
                resumed = True
                print(f"PostgreSQL continued after {stall:.0f} s", flush=True)
            for c in list(pending):
                line = None
                for line in c.lines(time.monotonic() + 0.05):
                    if re.search(rf"JOIN :?{re.escape(channel)}| (4\d\d|5\d\d) |^ERROR|closed", line):
                        break
                    line = None
                if line:
                    answers[c.nick] = (time.monotonic() - started, line)
                    pending.remove(c)
    finally:
        if not resumed:
            for p in pids:
                os.kill(p, signal.SIGCONT)
    for c in clients:
        if c.nick in answers:
            t, line = answers[c.nick]
            print(f"  {c.nick}: answered after {t:5.1f} s: {line[:100]}")
        else:
            print(f"  {c.nick}: no answer to its JOIN within 90 s")

    view2 = names(bee, channel)
    view1 = names(clients[0], channel)
    print(f"node 2 (bee's NAMES):  {view2}")
    print(f"node 1 (j0's NAMES):   {view1}")
    bee.send(f"PRIVMSG {channel} :hello from bee\r\n")
    # bee's PONG comes after its line was handled; then 3 s for it to reach node 1's members.
    bee.send("PING :sent\r\n")
    bee.wait_for(r"PONG .*sent", 20)
    deadline = time.monotonic() + 3
    got = [c.nick for c in clients if c.wait_for(r"PRIVMSG #stall :hello from bee", max(0.1, deadline - time.monotonic()))]
    print(f"bee's line reached: {got}")
    silent = [c.nick for c in clients if c.nick not in answers]
    members2 = set(view2 or [])
    members1 = set(view1 or [])
    print(f"no answer: {silent}; members on node 2 but not node 1: {sorted(members2 - members1)}; "
          f"on node 1 but not node 2: {sorted(members1 - members2)}")
    for c in clients + [bee]:
        c.sock.close()
    return 1 if silent or members1 != members2 else 0


if __name__ == "__main__":
    sys.exit(main())
