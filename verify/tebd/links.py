"""The pipes between the processes of a gate pool (:mod:`verify.tebd.segments`): one per ordered pair.

Every process p holds the reading end of one pipe from every other process and the writing end of one
pipe to every other process, and nothing else, so a process that ends — however it ends, even in the
middle of a message — closes the only writing ends of its pipes: its readers see the end of the file
(or of the message) at once, instead of waiting for bytes that will never come, as they would on a
pipe whose writing end other processes also hold (``multiprocessing.Queue``: every process that has
the queue holds both ends). Nor is there a lock shared between writers that a stopped process could
leave held.

Messages are pickled by the sender and written by one sending thread per receiver, in order, so that
a process never waits for a receiver that is busy (two processes sending each other hand-overs of site
tensors, several MB at χ = 400, or a worker's report to the engine's process while another worker is
not reading); :meth:`Links.receive` waits for the first message from any sender, and reports a sender
that has ended (:class:`PeerGone`) once every message it sent before has been read.
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

    def __reduce__(self) -> tuple:
        return PeerGone, (self.process,)


def pipe_ends(context: Any, processes: int) -> tuple[list[dict[int, Connection]], list[dict[int, Connection]]]:
    """A one-way pipe for every ordered pair of ``processes`` processes.

    Parameters
    ----------
    context : multiprocessing context
        Its ``Pipe`` makes the pipes.
    processes : int
        Number of processes (at least 2).

    Returns
    -------
    (list, list)
        ``readers[q][p]``: process q's reading end of the pipe from p; ``writers[p][q]``: process p's
        writing end of the pipe to q.

    Raises
    ------
    ValueError
        For fewer than 2 processes.
    """
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 2:
        raise ValueError(f"pipes join at least 2 processes, got {processes!r}")
    readers: list[dict[int, Connection]] = [{} for _ in range(processes)]
    writers: list[dict[int, Connection]] = [{} for _ in range(processes)]
    for p in range(processes):
        for q in range(processes):
            if p != q:
                readers[q][p], writers[p][q] = context.Pipe(duplex=False)
    return readers, writers


class _Sender:
    """The thread that writes one receiver's messages, in order; it closes its writing end when it stops
    (so no other thread closes a pipe it may be writing to)."""

    def __init__(self, connection: Connection, name: str) -> None:
        self.connection = connection
        self.outgoing: queue.SimpleQueue = queue.SimpleQueue()
        self.failure: BaseException | None = None  # why it stopped writing (the receiver ended, ...)
        self.thread = threading.Thread(target=self._write_all, name=name, daemon=True)
        self.thread.start()

    def _write_all(self) -> None:
        try:
            while True:
                data = self.outgoing.get()
                if data is None:
                    return
                if self.failure is None:  # after a failure the rest is dropped: its receiver is gone
                    try:
                        self.connection.send_bytes(data)
                    except Exception as error:  # any failure ends the writing, never the thread
                        self.failure = error
        finally:
            self.connection.close()


class Links:
    """One process's ends of the pool's pipes (module docstring).

    Parameters
    ----------
    readers : dict of int to Connection
        The reading end of the pipe from every other process.
    writers : dict of int to Connection
        The writing end of the pipe to every other process.

    Raises
    ------
    ValueError
        When there is no pipe to read from.
    """

    def __init__(self, readers: dict[int, Connection], writers: dict[int, Connection]) -> None:
        if not readers:
            raise ValueError("links need at least one pipe to read from")
        self._readers = dict(readers)
        self._sender_of = {id(connection): p for p, connection in self._readers.items()}
        self._senders = {p: _Sender(connection, f"qstt-links-to-{p}") for p, connection in writers.items()}
        self.closed = False

    def send(self, process: int, message: Any) -> None:
        """Post ``message`` to ``process``: pickled here, written in the background, in order; dropped once
        the process has ended.

        Parameters
        ----------
        process : int
            A process this one has a pipe to.
        message : object
            Anything that pickles.

        Raises
        ------
        ValueError
            When the links are closed or there is no pipe to ``process``.
        pickle.PicklingError, TypeError
            When the message does not pickle (raised here, not in the sending thread).
        """
        if self.closed:
            raise ValueError("the links are closed")
        sender = self._senders.get(process)
        if sender is None:
            raise ValueError(f"no pipe to process {process!r}: there are pipes to {sorted(self._senders)}")
        sender.outgoing.put(ForkingPickler.dumps(message))

    def flush(self, process: int, timeout: float | None = None) -> bool:
        """Wait until every message posted to ``process`` is written (or dropped: the process ended).

        Returns
        -------
        bool
            Whether they were, within ``timeout`` seconds (None: as long as it takes).
        """
        sender = self._senders[process]
        sender.outgoing.put(None)  # the thread stops after the messages before it and closes its end
        sender.thread.join(timeout)
        return not sender.thread.is_alive()

    def receive(self, timeout: float | None) -> Any | None:
        """The next message from any process, or None when none came within ``timeout`` seconds (None:
        wait as long as it takes).

        Raises
        ------
        PeerGone
            When a sender has ended and every message it sent has been read (once per sender: its pipe
            is closed and not read again).
        RuntimeError
            When every sender has ended and ``timeout`` is None (nothing can come).
        """
        if not self._readers and timeout is None:
            raise RuntimeError("every process this one receives from has ended")
        ready = wait(list(self._readers.values()), timeout)
        if not ready:
            return None
        connection = ready[0]
        try:
            return connection.recv()
        except (EOFError, OSError):  # the sender ended (OSError: in the middle of a message)
            process = self._sender_of[id(connection)]
            del self._readers[process]
            connection.close()
            raise PeerGone(process) from None

    def close(self) -> None:
        """Stop sending (what is posted and not yet written is dropped when its receiver ends) and close the
        reading ends; every sending thread closes its own writing end when it stops."""
        if self.closed:
            return
        self.closed = True
        for sender in self._senders.values():
            sender.outgoing.put(None)
        for connection in self._readers.values():
            connection.close()
        self._readers.clear()
