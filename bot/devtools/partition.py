"""A TCP proxy on loopback that can go silent: a network partition for tests and benchmarks.

Between the bot and PostgreSQL, ``SilentProxy`` forwards bytes both ways until ``silence()``;
from then on it keeps every connection open and accepts new ones, but forwards nothing and
answers nothing, as a firewall that drops packets does (no reset, no error: the client just
waits). ``restore()`` forwards again. It runs its own event loop in a thread, so it works
the same under a test's loop, a benchmark's, or a subprocess's.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType
from typing import Self

from sqlalchemy.engine import make_url


class SilentProxy:
    """``SilentProxy(upstream_host, upstream_port)``; ``port`` is where to connect."""

    def __init__(self, upstream_host: str, upstream_port: int, host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.host = host
        self.port = 0
        self._silent = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._writers: set[asyncio.StreamWriter] = set()

    @classmethod
    def in_front_of(cls, database_url: str) -> SilentProxy:
        """A proxy for the server a database URL names (PostgreSQL's port by default)."""
        parsed = make_url(database_url)
        return cls(parsed.host or "127.0.0.1", parsed.port or 5432)

    def url_for(self, database_url: str) -> str:
        """The same database URL, through this proxy (once started)."""
        moved = make_url(database_url).set(host=self.host, port=self.port)
        return moved.render_as_string(hide_password=False)

    # --- control (from any thread) -----------------------------------------------------------

    def silence(self) -> None:
        """Stop forwarding, from now on, on every connection (open ones and new ones)."""
        self._silent.set()

    def restore(self) -> None:
        self._silent.clear()

    @property
    def silent(self) -> bool:
        return self._silent.is_set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="silent-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(5):
            raise RuntimeError("the proxy did not start")

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # --- the proxy's own loop ------------------------------------------------------------------

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, self.host, self.port)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            tasks = asyncio.all_tasks(loop)
            for task in tasks:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
            loop.close()

    async def _connection(
        self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter
    ) -> None:
        self._writers.add(client_w)
        try:
            while self.silent:  # a new connection during a partition: accepted, then nothing
                await asyncio.sleep(0.05)
            server_r, server_w = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_w.close()
            return
        self._writers.add(server_w)
        await asyncio.gather(self._pipe(client_r, server_w), self._pipe(server_r, client_w))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                while self.silent:  # hold the bytes: the other side hears nothing
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        with contextlib.suppress(OSError):
            writer.close()
