"""The pipes between the processes of a gate pool (:mod:`verify.tebd.segments`): one per ordered pair.

Every process p holds the reading end of one pipe from every other process and the writing end of one
pipe to every other process, and nothing else, so a process that ends — however it ends, even in the
middle of a message — closes the only writing ends of its pipes: its readers see the end of the file
(or of the message) at once, instead of waiting for bytes that will never come, as they would on a
pipe whose writing end other processes also hold (``multiprocessing.Queue``: every process that has
the queue holds both ends). Nor is there a lock shared between writers that a stopped process could
leave held.

Messages are pickled by the sender and written by one sending thread per process, in order per
receiver, so that two processes sending each other large messages (hand-overs of site tensors, several
MB at χ = 400) never wait for each other; :meth:`Links.receive` waits for the first message from any
sender, and reports a sender that has ended (:class:`PeerGone`) once every message it sent before has
been read.
"""

from __future__ import annotations

import queue
import threading
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from typing import Any

__all__ = ["Links", "PeerGone", "pipe_ends"]


class PeerGone(Exception):
    """A process of the pool ended: the end of its pipe was reached.

    Attributes
    ----------
    process : int
        The process that ended.
    """

    def __init__(self, process: int) -> None:
        super().__init__(f"process {process} of the pool ended")
        self.process = process


def pipe_ends(context: Any, processes: int) -> tuple[list[dict[int, Connection]], list[dict[int, Connection]]]:
    """A one-way pipe for every ordered pair of ``processes`` processes.

    Parameters
    ----------
    context : multiprocessing context
        Its ``Pipe`` makes the pipes.
    processes : int
        Number of processes.

    Returns
    -------
    (list, list)
        ``readers[q][p]``: process q's reading end of the pipe from p; ``writers[p][q]``: process p's
        writing end of the pipe to q.
    """
    readers: list[dict[int, Connection]] = [{} for _ in range(processes)]
    writers: list[dict[int, Connection]] = [{} for _ in range(processes)]
    for p in range(processes):
        for q in range(processes):
            if p != q:
                readers[q][p], writers[p][q] = context.Pipe(duplex=False)
    return readers, writers


class Links:
    """One process's ends of the pool's pipes (module docstring).

    Parameters
    ----------
    readers : dict of int to Connection
        The reading end of the pipe from every other process.
    writers : dict of int to Connection
        The writing end of the pipe to every other process.
    """

    def __init__(self, readers: dict[int, Connection], writers: dict[int, Connection]) -> None:
        self._readers, self._writers = dict(readers), dict(writers)
        self._sender_of = {id(connection): p for p, connection in self._readers.items()}
        self._outgoing: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._send_all, name="qstt-links-send", daemon=True)
        self._thread.start()
        self.closed = False

    def send(self, process: int, message: Any) -> None:
        """Post ``message`` to ``process``: pickled here (an object that does not pickle raises here), written
        in the background, in order; lost if the process has ended."""
        if self.closed:
            raise ValueError("the links are closed")
        self._outgoing.put((process, ForkingPickler.dumps(message)))

    def receive(self, timeout: float | None) -> Any | None:
        """The next message from any process, or None when none came within ``timeout`` seconds (None:
        wait as long as it takes).

        Raises
        ------
        PeerGone
            When a sender has ended and every message it sent has been read.
        """
        ready = wait(list(self._readers.values()), timeout)
        if not ready:
            return None
        connection = ready[0]
        try:
            return connection.recv()
        except (EOFError, OSError):  # the sender ended (OSError: in the middle of a message)
            raise PeerGone(self._sender_of[id(connection)]) from None

    def close(self, flush: float = 0.0) -> None:
        """Stop sending, after up to ``flush`` seconds for the messages already posted, and close every end."""
        if self.closed:
            return
        self.closed = True
        self._outgoing.put(None)
        self._thread.join(timeout=flush)
        for connection in (*self._readers.values(), *self._writers.values()):
            connection.close()

    def _send_all(self) -> None:
        """The sending thread: every posted message to its process, in order; a process whose pipe is
        closed (it ended) gets nothing more."""
        gone: set[int] = set()
        while True:
            item = self._outgoing.get()
            if item is None:
                return
            process, data = item
            if process in gone:
                continue
            try:
                self._writers[process].send_bytes(data)
            except (OSError, ValueError):  # the reader ended, or this end was closed
                gone.add(process)
