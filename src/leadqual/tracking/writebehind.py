"""Group concurrent requests into one transaction: a request hands its prepared events to the
writer thread and waits; while the writer commits one group, the next requests queue up and go
together in the next. A request is answered only after its group is committed, so nothing
acknowledged is lost — and a commit per request (the cost that caps a collector) becomes a commit
per group.

The writer is one thread of its own that takes, each time it is free, everything queued (up to
``max_group``), waiting a moment (``LINGER_S``) only for as many requests as its last group
held. It answers the whole group with one wake-up of the event loop. (Handing each group to an
executor and back cost ~3.5 ms a group of idle writer under load, measured by
``bench.collector``: the loop had to schedule every hand-over.)

>>> # wb = WriteBehind(collector.write); outcome = await wb.submit(prepared)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

__all__ = ["WriteBehind", "WriteFailed"]

log = logging.getLogger(__name__)

LINGER_S = 0.001  # how long a writer that just wrote a group waits for the next one

In = TypeVar("In")
Out = TypeVar("Out")

_Waiting = tuple[In, asyncio.AbstractEventLoop, asyncio.Future[Out]]


class WriteBehind(Generic[In, Out]):
    """Calls ``write(items) -> outcomes`` (one outcome per item, same order) on groups of at
    most ``max_group`` items, one group at a time, on a thread of its own (started with the
    first item). When a group fails, its items are retried one by one, so one bad request fails
    alone (``WriteFailed``). Items may come from any event loop; each is answered on its own."""

    def __init__(self, write: Callable[[Sequence[In]], list[Out]], max_group: int = 1000,
                 linger_s: float = LINGER_S) -> None:
        self.write = write
        self.max_group = max_group
        self.linger_s = linger_s
        self._last_group = 1
        self.groups = 0  # how many transactions so far (for tests and the bench)
        self._queue: queue.SimpleQueue[_Waiting[In, Out] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def submit(self, item: In) -> Out:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Out] = loop.create_future()
        if self._thread is None:
            self._started()
        self._queue.put((item, loop, future))
        # A request cancelled while it waits (its client went away) cancels its future; the
        # writer still writes the item and skips the answer (``_answer``).
        return await future

    def close(self, timeout: float | None = 30.0) -> None:
        """Write what is queued, then end the writer thread (a later item starts a new one)."""
        with self._start:
            thread, self._thread = self._thread, None
            if thread is not None:
                self._queue.put(None)
                thread.join(timeout)

    def _started(self) -> None:
        with self._start:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="leadqual-writer",
                                                daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            group = [first]
            # Clients just answered send again a round trip later: after a group of several,
            # sleep a moment (``linger_s``) and take them together, rather than waking at each
            # request (each wake-up takes the GIL from the event loop) or cutting a group of
            # one or two. After a lone request nothing waits.
            if self._last_group > 1 and self._queue.qsize() < self._last_group - 1:
                time.sleep(self.linger_s)
            while len(group) < self.max_group:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:  # closing: this group first, then stop
                    self._write(group)
                    return
                group.append(more)
            self._last_group = len(group)
            self._write(group)

    def _write(self, group: list[_Waiting[In, Out]]) -> None:
        try:
            outcomes: list[Out | BaseException] = list(self.write([i for i, _, _ in group]))
            self.groups += 1
        except Exception:
            if len(group) == 1:
                log.exception("collector write failed")
                outcomes = [WriteFailed("the store refused the events; retry later")]
            else:
                log.warning("a group of %d requests failed; writing them one by one", len(group))
                outcomes = [self._alone(item) for item, _, _ in group]
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Out],
                                                             Out | BaseException]]] = {}
        for (_, loop, future), outcome in zip(group, outcomes, strict=True):
            by_loop.setdefault(loop, []).append((future, outcome))
        for loop, answers in by_loop.items():
            # RuntimeError: that loop is closed, nobody is waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_answer, answers)

    def _alone(self, item: In) -> Out | BaseException:
        try:
            (outcome,) = self.write([item])
        except Exception:
            log.exception("collector write failed")
            return WriteFailed("the store refused the events; retry later")
        self.groups += 1
        return outcome


def _answer(answers: list[tuple[asyncio.Future[Out], Out | BaseException]]) -> None:
    for future, outcome in answers:
        if future.done():  # the request was cancelled (its client went away)
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


class WriteFailed(Exception):
    """The events of a request could not be committed (the client should retry)."""
