"""A lean HTTP/1.1 keep-alive GET client on asyncio, for the load generator's idle checks.

aiohttp cost the generator 0.1-0.25 ms of CPU per idle check, as much as the server's answer:
at 2,000/s on two cores the generator took what the server needed. This client writes a
prepared request and reads one ``Content-Length`` answer per connection at a time, and keeps
the connections (one per request in flight) for the next request. GET only, no redirects, no
chunked answers: what an idle check needs and nothing else.
"""

import asyncio
import time
from urllib.parse import urlsplit

IDLE_S = 2.0  # a connection idle this long is closed, before the server would (uvicorn: 5 s)


class _Connection(asyncio.Protocol):
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.answer: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False
        self.used = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        answer = self.answer
        if answer is None or answer.done():
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).lower()
        at = head.find(b"\r\ncontent-length:")
        if at < 0:
            answer.set_exception(ConnectionError("an answer without Content-Length"))
            return
        stop = head.find(b"\r\n", at + 2)
        length = int(head[at + 17:stop if stop > 0 else len(head)])
        total = end + 4 + length
        if len(self.buffer) < total:
            return
        body = bytes(self.buffer[end + 4:total])
        del self.buffer[:total]
        if b"\r\nconnection: close" in head:
            self.closed = True
        answer.set_result((int(head[9:12]), body))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None and not self.answer.done():
            self.answer.set_exception(ConnectionError(f"the server closed: {exc}"))


class Client:
    """GET on one server (``http://host:port``), over kept connections."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._host_line = f"Host: {parts.netloc}\r\n".encode()
        self._idle: list[_Connection] = []

    async def get(self, target: bytes, headers: bytes = b"") -> tuple[int, bytes]:
        """(status, body) of ``GET target``; ``headers``: ready lines, each ending CRLF."""
        connection = await self._connection()
        assert connection.transport is not None
        answer: asyncio.Future[tuple[int, bytes]] = asyncio.get_running_loop().create_future()
        connection.answer = answer
        connection.transport.write(b"GET %s HTTP/1.1\r\n%s%s\r\n"
                                   % (target, self._host_line, headers))
        try:
            result = await answer
        except BaseException:
            connection.transport.close()  # mid-answer (cancelled, failed): not reused
            raise
        connection.answer = None
        if connection.closed:
            connection.transport.close()
        else:
            connection.used = time.monotonic()
            self._idle.append(connection)
        return result

    async def _connection(self) -> _Connection:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.used < IDLE_S:
                return connection
            if connection.transport is not None:
                connection.transport.close()
        _transport, protocol = await asyncio.get_running_loop().create_connection(
            _Connection, self.host, self.port)
        return protocol

    def close(self) -> None:
        for connection in self._idle:
            if connection.transport is not None:
                connection.transport.close()
        self._idle.clear()
