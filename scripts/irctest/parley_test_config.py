"""pytest plugin (loaded by scripts/conformance with -p): passes irctest's per-test controller
configuration to Parley.

The shared controller (../shared/irctest/parley.py) starts every server alike: the contract
has no flag for a test's TestCaseControllerConfig. Ergo's controller writes those requests into
Ergo's config; this does the same for Parley, through its ordinary environment configuration
(PARLEY_Server__...), when the controller builds the server's environment.

  account_registration_before_connect -> Server:Accounts:RegistrationBeforeConnect
  account_registration_requires_email -> Server:Accounts:RegistrationRequiresEmail
  ergo_config's accounts.multiclient.always-on -> Server:Accounts:Multiclient:AlwaysOn
    (read_marker.py's services case asks Ergo for always-on "opt-out"; Parley has the same
    policy under the same meaning, so the test asks Parley for it the same way)
  chathistory.py's SableExpiringHistoryTestCase -> Server:History:MaxAge = 00:01:00
    (the test runs the server at 15x and expects a message forgotten two server-minutes
    later, because Sable keeps in-memory history for one minute, its object_expiry 60;
    irctest has no config flag for it, so the plugin knows that test case by name)
  a server run under faketime -> Server:Limits:PingIntervalSeconds = 600
    (as irctest's Sable controller sets pingout_duration 600, "needs to be high for the
    faketime tests": at 15x, chathistory.py's 8-second waits are 2 minutes for the server,
    and the PING it sends after 120 s of silence would arrive where the test reads its reply)

It also makes the controller's stop wait for the server itself. Under faketime the process
the controller started is faketime, which forks the server and dies at once on SIGTERM; the
server then closes its databases (SQLite removes parley.db-wal) while irctest already removes
the directory, and the test errors at teardown with FileNotFoundError.
"""

import os
import select


def _children(pid):
    """The pids of a process's children (Linux /proc), or []."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def _wait_exited(pids, timeout):
    """Blocks until each process has exited (its pidfd is readable) or the timeout passes."""
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except OSError:
            continue  # already gone
        try:
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            poller.poll(timeout * 1000)
        finally:
            os.close(fd)


# Test cases that need a short history retention, as irctest's Sable controller configures
# Sable for them: class name -> Server:History:MaxAge.
_HISTORY_MAX_AGE = {"SableExpiringHistoryTestCase": "00:01:00"}

# The class of the test being run, recorded before its setUp starts the server.
_current_class = None


def pytest_runtest_setup(item):
    global _current_class
    cls = getattr(item, "cls", None)
    _current_class = cls.__name__ if cls is not None else None


class _AutoDict(dict):
    """A dict that makes missing sections, so an ergo_config function can be run on it."""

    def __missing__(self, key):
        value = self[key] = _AutoDict()
        return value


_ALWAYS_ON = {"disabled": "Disabled", "opt-in": "OptIn", "opt-out": "OptOut", "mandatory": "Mandatory"}


def _always_on(test_config):
    """The always-on policy the test asks Ergo for, in Parley's spelling, or None."""
    ergo_config = getattr(test_config, "ergo_config", None)
    if ergo_config is None:
        return None
    config = _AutoDict()
    try:
        ergo_config(config)
    except Exception:  # noqa: BLE001 (a change we cannot read is one we do not pass on)
        return None
    value = config.get("accounts", {}).get("multiclient", {}).get("always-on")
    return _ALWAYS_ON.get(str(value).lower()) if value is not None else None


def pytest_configure(config):  # noqa: ARG001 (pytest hook signature)
    try:
        from irctest.controllers import parley
    except ImportError:
        return
    controller = parley.ParleyController
    if getattr(controller, "_parley_test_config", False):
        return
    original_env = controller._env

    def _env(self):
        env = original_env(self)
        if getattr(self, "_faketime_cmd", None):
            env["PARLEY_Server__Limits__PingIntervalSeconds"] = "600"
        max_age = _HISTORY_MAX_AGE.get(_current_class)
        if max_age is not None:
            env["PARLEY_Server__History__MaxAge"] = max_age
        test_config = getattr(self, "test_config", None)
        if test_config is not None:
            def flag(value):
                return "true" if value else "false"

            env["PARLEY_Server__Accounts__RegistrationBeforeConnect"] = flag(
                test_config.account_registration_before_connect
            )
            env["PARLEY_Server__Accounts__RegistrationRequiresEmail"] = flag(
                test_config.account_registration_requires_email
            )
            always_on = _always_on(test_config)
            if always_on is not None:
                env["PARLEY_Server__Accounts__Multiclient__AlwaysOn"] = always_on
        return env

    original_kill_proc = controller.kill_proc

    def kill_proc(self):
        server = _children(self.proc.pid) if self.proc is not None and getattr(self, "_faketime_cmd", None) else []
        original_kill_proc(self)
        _wait_exited(server, timeout=15)

    controller._env = _env
    controller.kill_proc = kill_proc
    controller._parley_test_config = True
