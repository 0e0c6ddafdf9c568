#!/usr/bin/env python3
"""The Parley command irctest runs when the conformance suite targets one node of a two-node
cluster (scripts/conformance-cluster sets PARLEY_CMD to this script).

irctest's Parley controller runs `$PARLEY_CMD serve --data-dir DIR --name NAME --listen ...`
for every test, and `$PARLEY_CMD account create NAME --password P --data-dir DIR` to make
accounts. This script turns each `serve` into a cluster of two nodes:

  1. a database of its own in the private PostgreSQL (PARLEY_CLUSTER_ADMIN: a connection
     string whose role may create databases), named in DIR/cluster-connection-string so that
     a restart of the server by the test (the controller kills and starts it again on the same
     DIR) finds the same accounts and history;
  2. a second node, `second.NAME`, on free loopback ports, with no HTTP listener; it must
     listen before the next step, so the node under test finds a cluster to join;
  3. the node under test, with the controller's arguments plus --cluster and --silo-listen.

It waits for the node under test and exits with its status. SIGTERM or SIGINT stops both
nodes; if this script is killed outright, both nodes get SIGKILL from the kernel
(PR_SET_PDEATHSIG), so no node outlives its test. Databases are left to the private
PostgreSQL, which conformance-cluster deletes at the end of the run.

`account ...` gets --cluster from DIR/cluster-connection-string; anything else runs as is.
"""

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta

HERE = os.path.dirname(os.path.abspath(__file__))
DLL = os.path.join(HERE, "..", "..", "src", "Parley.Cli", "bin", "Release", "net10.0", "parley.dll")
CS_FILE = "cluster-connection-string"
PR_SET_PDEATHSIG = 1


def parley(*args: str) -> list:
    return ["dotnet", os.path.normpath(DLL), *args]


def die(msg: str) -> None:
    print(f"cluster_node: {msg}", file=sys.stderr, flush=True)
    sys.exit(2)


def option(args: list, name: str) -> str:
    for i, a in enumerate(args[:-1]):
        if a == name:
            return args[i + 1]
    die(f"{name} missing from {args}")
    return ""


def parse_cs(cs: str) -> dict:
    out = {}
    for part in cs.strip().split(";"):
        if "=" in part:
            k, v = part.split("=", 1)
            out[k.strip().lower()] = v.strip()
    return out


def create_database(admin_cs: str) -> str:
    """A fresh database in the private PostgreSQL; returns its connection string."""
    cs = parse_cs(admin_cs)
    name = "t_" + secrets.token_hex(6)
    psql = shutil.which("psql") or die("psql not found (apt-get install postgresql)")
    env = dict(os.environ, PGPASSWORD=cs["password"])
    res = subprocess.run(
        [psql, "-h", cs["host"], "-p", cs["port"], "-U", cs["username"], "-d", "postgres",
         "-q", "-v", "ON_ERROR_STOP=1", "-c", f"CREATE DATABASE {name};"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
    if res.returncode != 0:
        die("cannot create a database: " + res.stdout.decode(errors="replace").strip())
    return (f"Host={cs['host']};Port={cs['port']};Username={cs['username']};"
            f"Password={cs['password']};Database={name}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start(args: list) -> subprocess.Popen:
    return subprocess.Popen(args, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent, env=node_env())


# Under faketime (irctest runs `faketime -f "+1y x15" $PARLEY_CMD serve ...` for some tests),
# this script leaves the fake clock (it re-executes itself without libfaketime, keeping the
# preload here) so that its own waits are real seconds, and starts both nodes under it again:
# they share faketime's one timeline (FAKETIME_SHARED), as irctest intends for the server.
NODE_PRELOAD = "CLUSTER_NODE_LD_PRELOAD"


def node_env() -> dict:
    env = dict(os.environ)
    preload = env.pop(NODE_PRELOAD, None)
    if preload:
        env["LD_PRELOAD"] = preload
        # Every duration a node measures, on the wall clock or the monotonic one, passes 15
        # times as fast under "x15": a probe timeout of 1 s is 67 ms of real time, and a 70 ms
        # GC pause or JIT stall makes the nodes vote each other dead. Give such nodes the
        # patience of nodes on a 15 times slower network: failure detection stays ~1 real s.
        env["PARLEY_Server__Cluster__ProbeTimeout"] = str(timedelta(seconds=faketime_rate()))
    return env


def faketime_rate() -> float:
    """The speed factor of the faketime specification in FAKETIME ("+1y x15" -> 15), else 1."""
    for word in os.environ.get("FAKETIME", "").split():
        if word.startswith("x"):
            try:
                return max(1.0, float(word[1:]))
            except ValueError:
                pass
    return 1.0


def with_faketime_timeouts(cs: str) -> str:
    """Npgsql measures its timeouts on the wall clock: 15 times as long under "x15"."""
    if NODE_PRELOAD not in os.environ or faketime_rate() == 1.0:
        return cs
    rate = faketime_rate()
    return cs + f";Timeout={int(5 * rate)};Command Timeout={int(30 * rate)}"


def leave_faketime() -> None:
    preload = os.environ.get("LD_PRELOAD", "")
    if "libfaketime" in preload and NODE_PRELOAD not in os.environ:
        env = dict(os.environ)
        env[NODE_PRELOAD] = env.pop("LD_PRELOAD")
        os.execve(sys.executable, [sys.executable, *sys.argv], env)


def wait_listening(proc: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            die(f"the second node exited ({proc.returncode}) before it listened")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)  # polling a port another process opens: no event to wait on
    die(f"the second node did not listen on 127.0.0.1:{port} within {timeout:.0f} s")


def serve(args: list) -> int:
    data_dir = option(args, "--data-dir")
    name = option(args, "--name")
    os.makedirs(data_dir, exist_ok=True)
    cs_path = os.path.join(data_dir, CS_FILE)
    if os.path.exists(cs_path):
        with open(cs_path) as f:
            cs = f.read().strip()
    else:
        admin = os.environ.get("PARLEY_CLUSTER_ADMIN") or die("PARLEY_CLUSTER_ADMIN is not set")
        cs = create_database(admin)
        with open(cs_path, "w") as f:
            f.write(cs + "\n")

    cs = with_faketime_timeouts(cs)
    listen = free_port()
    second = start(parley(
        "serve", "--data-dir", os.path.join(data_dir, "second"), "--name", "second." + name,
        "--listen", f"127.0.0.1:{listen}", "--no-http", "--no-flood-limits",
        "--cluster", cs, "--silo-listen", f"127.0.0.1:{free_port()}"))
    nodes = [second]

    def stop(signum, frame):  # noqa: ARG001
        for p in nodes:
            if p.poll() is None:
                p.terminate()
        for p in nodes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    wait_listening(second, listen, 120)

    node = start(parley(*args, "--cluster", cs, "--silo-listen", f"127.0.0.1:{free_port()}"))
    nodes.insert(0, node)
    code = node.wait()
    stop(None, None)
    return code


def main() -> int:
    args = sys.argv[1:]
    if args[:1] == ["serve"]:
        leave_faketime()
        # irctest stops a server run under faketime by ending faketime, which does not pass the
        # signal on: stop the nodes when the parent goes, whatever it is.
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:
            return 0
        return serve(args)
    if args[:1] == ["account"] and "--cluster" not in args:
        cs_path = os.path.join(option(args, "--data-dir"), CS_FILE)
        if os.path.exists(cs_path):
            with open(cs_path) as f:
                # A longer connect timeout than a node's 5 s: irctest creates accounts on a busy machine.
                args = [*args, "--cluster", f.read().strip() + ";Timeout=30"]
    return subprocess.call(parley(*args))


if __name__ == "__main__":
    sys.exit(main())
