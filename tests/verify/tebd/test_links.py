"""verify.tebd.links: the pool's one-way pipes deliver in order, never wait for each other, and report
a sender that ended — also in the middle of a message — instead of waiting for it."""

from __future__ import annotations

import multiprocessing
import os
import struct

import numpy as np
import pytest

from verify.tebd.links import Links, PeerGone, pipe_ends


def linked_pair() -> tuple[Links, Links]:
    """Processes 0 and 1's links, both in this process (two threads would do what two processes do)."""
    readers, writers = pipe_ends(multiprocessing.get_context("spawn"), 2)
    return Links(readers[0], writers[0]), Links(readers[1], writers[1])


def test_large_messages_both_ways_arrive_in_order_without_waiting_for_each_other() -> None:
    """Both ends post several messages far larger than a pipe's buffer (64 kB) before either reads: the
    sending threads write them while the other side reads, in order per sender."""
    first, second = linked_pair()
    try:
        payloads = [np.full(2**18, k, dtype=complex) for k in range(3)]  # 4 MB each
        for k, payload in enumerate(payloads):
            first.send(1, ("to 1", k, payload))
            second.send(0, ("to 0", k, payload))
        for links, name in ((second, "to 1"), (first, "to 0")):
            for k, payload in enumerate(payloads):
                message = links.receive(30.0)
                assert message[:2] == (name, k) and np.array_equal(message[2], payload)
        assert first.receive(0.0) is None  # nothing else came
    finally:
        first.close()
        second.close()


def test_a_sender_that_ends_mid_message_is_reported_after_its_whole_messages() -> None:
    """A process killed while it writes a message leaves the pipe with part of one: its reader gets
    every message that was whole, then PeerGone — not a wait for bytes that will never come (the
    writing end is the sender's alone, so its end closes the pipe)."""
    readers, writers = pipe_ends(multiprocessing.get_context("spawn"), 2)
    receiver = Links(readers[1], writers[1])
    try:
        writers[0][1].send(("whole", 1))
        os.write(writers[0][1].fileno(), struct.pack("!i", 10_000) + b"part of a message")
        writers[0][1].close()  # what the end of the sending process does
        assert receiver.receive(5.0) == ("whole", 1)
        with pytest.raises(PeerGone) as gone:
            receiver.receive(5.0)
        assert gone.value.process == 0
    finally:
        receiver.close()
        readers[0][1].close()


def test_posting_to_an_ended_process_neither_raises_nor_waits_and_closed_links_refuse() -> None:
    """A message to a process that has ended is dropped by the sending thread (the pipe is broken), so
    the sender carries on; links that are closed refuse new messages with ValueError."""
    first, second = linked_pair()
    second.close()
    first.send(1, ("lost", np.zeros(2**17)))  # 2 MB into a closed pipe
    first.send(1, ("lost too",))
    with pytest.raises(PeerGone):
        first.receive(5.0)  # the other end is closed: the end of its pipe to us
    first.close()
    with pytest.raises(ValueError, match="closed"):
        first.send(1, ("late",))
