"""Faults made real for tests: a TCP proxy on loopback that cuts connections mid-stream, a
small filesystem that fills up, a small sources directory to run on."""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType


class CuttingProxy:
    """Forwards loopback TCP connections to ``target``; cuts the first ``cuts`` connections that
    send ``trigger`` (every one when ``cuts`` is None) once the server has sent them
    ``cut_after`` bytes more: both sockets are closed mid-stream, as a dropped link would.

    ``cut`` counts the connections cut, ``triggered`` those that sent ``trigger``.
    """

    def __init__(self, target: tuple[str, int], *, trigger: bytes, cut_after: int,
                 cuts: int | None = 1) -> None:
        self.target = target
        self.trigger = trigger
        self.cut_after = cut_after
        self.cuts = cuts
        self.triggered = 0
        self.cut = 0
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> CuttingProxy:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self._lock:
                self._sockets += [client, server]
            state = {"triggered": False, "cut": False, "sent": 0}
            threading.Thread(target=self._upstream, args=(client, server, state),
                             daemon=True).start()
            threading.Thread(target=self._downstream, args=(server, client, state),
                             daemon=True).start()

    def _upstream(self, client: socket.socket, server: socket.socket,
                  state: dict[str, int | bool]) -> None:
        """Client -> server: forwarded as is; the trigger decides whether this link is cut."""
        seen = b""
        while True:
            try:
                data = client.recv(65536)
            except OSError:
                data = b""
            if not data:
                _close(server)
                return
            if not state["triggered"] and self.trigger in seen[-len(self.trigger):] + data:
                state["triggered"] = True
                with self._lock:
                    self.triggered += 1
                    if self.cuts is None or self.triggered <= self.cuts:
                        state["cut"] = True
            seen = data
            try:
                server.sendall(data)
            except OSError:
                _close(client)
                return

    def _downstream(self, server: socket.socket, client: socket.socket,
                    state: dict[str, int | bool]) -> None:
        """Server -> client: forwarded until ``cut_after`` bytes past the trigger, then cut."""
        while True:
            try:
                data = server.recv(65536)
            except OSError:
                data = b""
            if not data:
                _close(client)
                return
            if state["cut"]:
                room = self.cut_after - int(state["sent"])
                if len(data) >= room:
                    with contextlib.suppress(OSError):
                        client.sendall(data[:max(room, 0)])
                    with self._lock:
                        self.cut += 1
                    _close(client)
                    _close(server)
                    return
                state["sent"] = int(state["sent"]) + len(data)
            try:
                client.sendall(data)
            except OSError:
                _close(server)
                return


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


def small_sources(root: Path, cycle: str = "2026-09") -> Path:
    """A small, clean generated sources directory (a few dozen objects) covering ``cycle``."""
    from recon_pipeline.generate import generate

    return generate(root, seed=3, scale=0.05, cycles=(cycle, cycle), clean=True).out


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` for the block (a real disk that can fill up);
    the test is skipped where mounting is not allowed (no root, no CAP_SYS_ADMIN)."""
    import pytest

    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                           str(path)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


def fill(folder: Path, leave: int) -> Path:
    """Fill ``folder``'s filesystem until the disk is full, then give back ``leave`` bytes: the
    next write of more than that fails with ENOSPC. The filler file's path."""
    filler = folder / "filler.bin"
    chunk = b"\0" * 65536
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        while True:
            os.write(fd, chunk)
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
    finally:
        size = os.fstat(fd).st_size
        os.close(fd)
    os.truncate(filler, max(0, size - leave))
    return filler
