"""The loop of a gate worker process of :class:`verify.tebd.SegmentPool` (:mod:`verify.tebd.segments`).

A worker holds a copy of the sites its gates read, the gates it runs and the operators it observes, and
takes the pool's messages: ``setup`` (the backend), ``sync`` (sites and gates of a new stream),
``stream`` (the plan of a stream and its truncation), ``grant`` (a run to do, with the operators its
gates observe), ``sites`` (a hand-over from another process), ``cancel`` (the end of a stream: what was
run ahead is dropped) and ``stop``. It sends hand-overs to the others, ``done`` with the run's outcome,
``cancelled`` and, when something fails, ``error`` to the engine's process.
"""

from __future__ import annotations

import os
import pickle
import traceback
from typing import Any

from verify.tebd.links import Links, PeerGone
from verify.tebd.stream import GateRun, Segment, StreamPlan, place_sites
from verify.tensors import blas_threads, serial_decompositions, set_core_share

__all__ = ["segment_worker"]

_POLL_SECONDS = 0.5  # how often a waiting worker checks that the engine's process is alive


def _portable(error: BaseException) -> BaseException:
    """The error if it pickles and unpickles, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:
        return RuntimeError("".join(traceback.format_exception_only(type(error), error)).strip())


def segment_worker(process: int, readers: dict, writers: dict, parent_pid: int) -> None:
    """The loop of worker process ``process`` (the target of its ``multiprocessing.Process``).

    It runs the gates it is granted, as soon as their sites are here, hands over what others read next
    and reports each run (:class:`verify.tebd.Segment`), and reads the pool's messages between gates. It
    stops on ``("stop",)`` or when another process of the pool is gone (exit code 0); an error is reported
    to the engine's process (which raises it) and ends it with exit code 1.

    Parameters
    ----------
    process : int
        This worker's number in the pool (1, 2, ...).
    readers, writers : dict of int to Connection
        Its ends of the pool's pipes (:func:`verify.tebd.pipe_ends`).
    parent_pid : int
        The engine's process, polled while the worker waits (its pipe ends reach the worker's end of
        file only if no process it forked holds copies).
    """
    set_core_share(1)  # one BLAS thread: the gates' bits
    links = Links(readers, writers)
    state: dict = {"gates": {}, "operators": {}}
    worker: dict[str, Any] = {"segment": None, "stale": 0, "early": []}

    def finished(run: int, outcome: GateRun) -> None:
        links.send(0, ("done", run, process, outcome))

    def handle(message: tuple) -> None:
        kind = message[0]
        if kind == "setup":
            state.update(message[1])
        elif kind == "sync":
            place_sites(state["tensors"], state["lam"], message[1])
            state["gates"].update(message[2])
        elif kind == "stream":
            first_run, sequence, owner, state["chi_max"], state["trunc"] = message[1:]
            worker["segment"] = Segment(process, StreamPlan(sequence, owner), first_run, state, links.send, finished)
            early, worker["early"] = worker["early"], []
            for held in early:
                handle(held)
        elif kind == "grant":
            _, run, tokens, operators, forget = message
            if forget:
                state["operators"].clear()
            state["operators"].update(operators)
            worker["segment"].grant(run, {k: state["operators"][token] for k, token in tokens.items()})
        elif kind == "sites":
            if message[1] <= worker["stale"]:
                return  # from a stream that was ended
            if worker["segment"] is None:  # another worker was quicker than the engine's stream message
                worker["early"].append(message)
            else:
                worker["segment"].take(message)
        elif kind == "cancel":
            worker["segment"], worker["stale"] = None, message[1]
            worker["early"] = [m for m in worker["early"] if m[1] > message[1]]
            links.send(0, ("cancelled", message[1], process))

    with serial_decompositions(), blas_threads(1):
        while True:
            try:
                segment = worker["segment"]
                busy = segment is not None and segment.step()
                message = links.receive(0.0 if busy else _POLL_SECONDS)
                if message is None and not busy and os.getppid() != parent_pid:
                    break  # the engine's process is gone (a child it forked may still hold its pipe ends)
                while message is not None:
                    if message[0] == "stop":
                        return links.close()
                    handle(message)
                    message = links.receive(0.0)
            except PeerGone:  # the engine's process is gone, or another worker is (the engine sees that itself)
                break
            except BaseException as error:  # reported to the engine, which raises it
                links.send(0, ("error", process, _portable(error)))
                links.flush(0)  # written once the engine's process reads, or dropped if it is gone
                links.close()
                raise SystemExit(1) from None  # the exit code of a worker that failed says so
    links.close()
    return None
