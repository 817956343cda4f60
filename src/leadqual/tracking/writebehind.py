"""Group concurrent requests into one transaction: a request hands its prepared events to the
writer and waits; while the writer commits one group (in a thread), the next requests queue up
and go together in the next. A request is answered only after its group is committed, so
nothing acknowledged is lost — and a commit per request (the cost that caps a collector) becomes
a commit per group. A group waits up to ``LINGER_S`` for as many requests as the last group
held (clients just answered need a round trip to send again), so groups stay full under load.

>>> # wb = WriteBehind(collector.write); outcome = await wb.submit(prepared)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

__all__ = ["WriteBehind", "WriteFailed"]

log = logging.getLogger(__name__)

LINGER_S = 0.002  # the longest a group waits for the requests it expects

In = TypeVar("In")
Out = TypeVar("Out")


class WriteBehind(Generic[In, Out]):
    """Calls ``write(items) -> outcomes`` (one outcome per item, same order) on groups of at
    most ``max_group`` items, one group at a time, off the event loop — always on the same
    thread, its own, so the writes neither wait behind other work in asyncio's default pool nor
    move from thread to thread. When a group fails, its items are retried one by one, so one
    bad request fails alone."""

    def __init__(
        self,
        write: Callable[[Sequence[In]], list[Out]],
        max_group: int = 1000,
        linger_s: float = LINGER_S,
    ) -> None:
        self.write = write
        self.max_group = max_group
        self.linger_s = linger_s
        self._last_group = 1
        self._pending: list[tuple[In, asyncio.Future[Out]]] = []
        self._task: asyncio.Task[None] | None = None
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="leadqual-writer")
        self.groups = 0  # how many transactions so far (for tests and the bench)

    async def submit(self, item: In) -> Out:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Out] = loop.create_future()
        self._pending.append((item, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await asyncio.shield(future)

    async def _linger(self) -> None:
        """Wait (at most ``linger_s``) until as many requests are pending as the last group
        held. Clients answered by the last commit send their next request a round trip later; a
        group cut before they arrive pays a whole commit for one or two requests. After a single
        request (a quiet collector) the target is one, so nothing waits."""
        loop = asyncio.get_running_loop()
        target = min(self._last_group, self.max_group)
        deadline = loop.time() + self.linger_s
        while len(self._pending) < target and loop.time() < deadline:
            await asyncio.sleep(self.linger_s / 8)

    async def _drain(self) -> None:
        while self._pending:
            if self.linger_s > 0:
                await self._linger()
            group = self._pending[: self.max_group]
            del self._pending[: self.max_group]
            self._last_group = len(group)
            items = [item for item, _ in group]
            try:
                outcomes = await self._in_thread(items)
                self.groups += 1
            except Exception:
                if len(group) == 1:
                    log.exception("collector write failed")
                    self._fail(group[0][1])
                    continue
                log.warning("a group of %d requests failed; writing them one by one", len(group))
                for item, future in group:
                    try:
                        (outcome,) = await self._in_thread([item])
                    except Exception:
                        log.exception("collector write failed")
                        self._fail(future)
                    else:
                        if not future.done():
                            future.set_result(outcome)
                continue
            for (_, future), outcome in zip(group, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)

    async def _in_thread(self, items: list[In]) -> list[Out]:
        return await asyncio.get_running_loop().run_in_executor(self._thread, self.write, items)

    @staticmethod
    def _fail(future: asyncio.Future[Out]) -> None:
        if not future.done():
            future.set_exception(WriteFailed("the store refused the events; retry later"))


class WriteFailed(Exception):
    """The events of a request could not be committed (the client should retry)."""
