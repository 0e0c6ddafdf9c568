"""pytest plugin (loaded by scripts/conformance with -p): the `websockets.sync.client` API that
irctest's websocket tests import, for a Python whose `websockets` is older than 11.

irctest's server_tests/websocket.py does `from websockets.sync.client import ClientConnection,
connect` and skips every test when that import fails. The synchronous client arrived in
websockets 11; Debian 12 ships 10.4 (python3-websockets), and PyPI is out of reach here. So
this module provides the few calls irctest makes, on top of the installed asyncio client:

  connect(url, subprotocols=[...]) -> ClientConnection   (ConnectionRefusedError as such)
  conn.subprotocol                                       (the negotiated one, or None)
  conn.send(str | bytes)                                 (text or binary message)
  conn.recv(timeout=None) -> str | bytes                 (TimeoutError when nothing came; the
                                                          timeout runs inside the loop, so no
                                                          message is lost to it)
  conn.close()

Each connection runs the asyncio client on an event loop in a daemon thread of its own; the
calls wait for it. Cancelling a pending recv() is safe in websockets 10 (documented), which is
what a timeout does. When a real websockets >= 11 is installed, nothing is replaced.
"""

import asyncio
import sys
import threading
import types

try:
    import websockets.sync.client  # noqa: F401  (websockets >= 11: the real thing)

    _NEEDED = False
except ImportError:
    _NEEDED = True


class ClientConnection:
    """One WebSocket connection, used from one thread at a time (as irctest does)."""

    def __init__(self, loop, thread, protocol):
        self._loop = loop
        self._thread = thread
        self._protocol = protocol

    @property
    def subprotocol(self):
        return self._protocol.subprotocol

    def _run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def send(self, message):
        self._run(self._protocol.send(message))

    def recv(self, timeout=None):
        # The timeout is applied inside the event loop (asyncio.wait_for), never by cancelling the
        # cross-thread future: cancelling that one after the loop had already taken a message off
        # the connection's queue (the timeout and the message arriving together) threw the message
        # away, and the next recv() went on with the one after it. wait_for cancels recv() within
        # the loop, which websockets 10 documents as safe, and if recv() finished anyway, returns
        # its message (Python >= 3.11 hands the result back instead of raising).
        return self._run(self._recv(timeout))

    async def _recv(self, timeout):
        if timeout is None:
            return await self._protocol.recv()
        try:
            return await asyncio.wait_for(self._protocol.recv(), timeout)
        except asyncio.TimeoutError:
            # asyncio.TimeoutError is TimeoutError from Python 3.11 on; irctest catches the latter.
            raise TimeoutError() from None

    def close(self, code=1000, reason=""):
        try:
            asyncio.run_coroutine_threadsafe(self._protocol.close(code, reason), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)


def connect(uri, *, subprotocols=None, open_timeout=10, **kwargs):
    import websockets

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="websocket " + uri, daemon=True)
    thread.start()

    async def _open():
        return await websockets.connect(
            uri, subprotocols=subprotocols, open_timeout=open_timeout, **kwargs
        )

    future = asyncio.run_coroutine_threadsafe(_open(), loop)
    try:
        protocol = future.result(open_timeout + 5)
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        raise
    return ClientConnection(loop, thread, protocol)


def install():
    """Makes `websockets.sync.client` importable, unless the real one is."""
    if not _NEEDED:
        return
    import websockets

    sync = types.ModuleType("websockets.sync")
    sync.__path__ = []
    client = types.ModuleType("websockets.sync.client")
    client.ClientConnection = ClientConnection
    client.connect = connect
    client.__doc__ = __doc__
    sync.client = client
    websockets.sync = sync
    sys.modules["websockets.sync"] = sync
    sys.modules["websockets.sync.client"] = client


install()
