"""Fault suite fixtures: a cuttable TCP path to the S3 server, and the recovery checks every
fault test ends with (no half-written row, no orphan after gc, a clean integrity scrub)."""
from __future__ import annotations

import socket
import threading
from datetime import timedelta

import pytest

from storage.gc import collect_garbage, collect_temporary
from storage.verify import verify_store



class CuttableLink:
    """A loopback TCP relay to a server, which can be cut (every connection reset and the port
    closed, as when the server process stops) once `cut_after` bytes went upstream, and restored."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.cut_after: int | None = None
        self.sent = 0
        self.cut = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self.port = 0
        self._listen()

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _listen(self) -> None:
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(16)
        self.port = server.getsockname()[1]
        self._server = server
        self.cut.clear()
        threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _accept(self, server: socket.socket) -> None:
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, outgoing: bool) -> None:
        try:
            while data := source.recv(65536):
                if outgoing:
                    with self._lock:
                        self.sent += len(data)
                        over = self.cut_after is not None and self.sent > self.cut_after
                    if over:
                        self.stop()
                        return
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def stop(self) -> None:
        """The server is gone: the port refuses connections and open ones are reset."""
        self.cut.set()
        self._server.close()
        with self._lock:
            sockets, self._sockets = self._sockets, []
        for sock in sockets:
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                sock.close()
            except OSError:
                pass

    def restore(self) -> None:
        self.cut_after = None
        self._listen()


@pytest.fixture()
def s3_link(s3_server):
    """A CuttableLink to the S3 server of the session (skips without one, fails in CI)."""
    link = CuttableLink(s3_server.host_port)
    yield link
    link.stop()


@pytest.fixture()
def recovered(app_ctx):
    """`recovered(store)`: after the fault is over, gc (no grace) leaves no orphan and no partial
    upload, and the integrity scrub of the store finds nothing wrong."""

    def check(store) -> None:
        collect_garbage(grace=timedelta(0))
        collect_temporary(store, timedelta(0))
        assert list(store.temporary_uploads()) == []
        report = verify_store(store)
        assert report.problems == [], [str(problem) for problem in report.problems]

    return check
