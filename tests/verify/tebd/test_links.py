"""verify.tebd.links: the pool's one-way pipes deliver in order, never wait for each other, and report
a sender that ended — also in the middle of a message — instead of waiting for it."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import struct
import threading

import numpy as np
import pytest

from verify.tebd.links import Links, PeerGone, pipe_ends


def linked_pair() -> tuple[Links, Links]:
    """Processes 0 and 1's links, both in this process (two threads would do what two processes do)."""
    readers, writers = pipe_ends(multiprocessing.get_context("spawn"), 2)
    return Links(readers[0], writers[0]), Links(readers[1], writers[1])


def test_large_messages_both_ways_arrive_in_order_without_waiting_for_each_other() -> None:
    """Both ends post several messages far larger than a pipe's buffer (64 kB) before either reads: the
    sending threads write them while the other side reads, in order per sender. (Run in a thread joined
    with a deadline, so that a regression to sending in the caller fails instead of hanging.)"""
    first, second = linked_pair()
    payloads = [np.full(2**18, k, dtype=complex) for k in range(3)]  # 4 MB each
    received: list = []

    def exchange() -> None:
        for k, payload in enumerate(payloads):
            first.send(1, ("to 1", k, payload))
            second.send(0, ("to 0", k, payload))
        for links in (second, first):
            received.extend(links.receive(30.0) for _ in payloads)

    try:
        worker = threading.Thread(target=exchange, daemon=True)
        worker.start()
        worker.join(60.0)
        assert not worker.is_alive(), "the two ends waited for each other"
        for n, message in enumerate(received):
            name, k = ("to 1" if n < len(payloads) else "to 0"), n % len(payloads)
            assert message[:2] == (name, k) and np.array_equal(message[2], payloads[k])
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


def test_a_receiver_that_ended_holds_up_no_other_and_closed_links_refuse() -> None:
    """Messages to a process that has ended are dropped by its own sending thread (its pipe is broken),
    so a message to a live process after them arrives; links that are closed refuse new messages, and
    so does a process without a pipe (ValueError)."""
    readers, writers = pipe_ends(multiprocessing.get_context("spawn"), 3)
    first, second, third = (Links(readers[p], writers[p]) for p in range(3))
    try:
        second.close()
        first.send(1, ("lost", np.zeros(2**17)))  # 2 MB into a broken pipe
        first.send(2, ("arrives",))
        try:  # process 1's end may be seen first: it ended (closed links close their writing ends too)
            message = third.receive(10.0)
        except PeerGone as gone:
            assert gone.process == 1
            message = third.receive(10.0)
        assert message == ("arrives",)
        with pytest.raises(ValueError, match="no pipe to process 7"):
            first.send(7, ("nowhere",))
    finally:
        first.close()
        third.close()
    with pytest.raises(ValueError, match="closed"):
        first.send(2, ("late",))


def test_peer_gone_pickles_and_pipes_need_two_processes() -> None:
    """PeerGone crosses a pipe with its process number; fewer than two processes have no pipes."""
    gone = pickle.loads(pickle.dumps(PeerGone(3)))
    assert isinstance(gone, PeerGone) and gone.process == 3
    with pytest.raises(ValueError, match="at least 2"):
        pipe_ends(multiprocessing.get_context("spawn"), 1)
