"""The write-behind writer: concurrent requests share transactions, each is answered with its
own outcome, one bad request fails alone, and requests from several event loops are each
answered on their own loop."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Sequence

import pytest

from leadqual.tracking.writebehind import WriteBehind, WriteFailed


class Recorder:
    """A ``write`` that takes a little time (as a commit does), records its groups, and refuses
    any group holding a negative number."""

    def __init__(self, delay: float = 0.002) -> None:
        self.delay = delay
        self.groups: list[list[int]] = []
        self.threads: set[str] = set()

    def __call__(self, items: Sequence[int]) -> list[int]:
        self.threads.add(threading.current_thread().name)
        time.sleep(self.delay)
        if any(i < 0 for i in items):
            raise ValueError("refused")
        self.groups.append(list(items))
        return [i * 10 for i in items]


def test_concurrent_requests_share_groups_and_get_their_own_outcome() -> None:
    write = Recorder()
    wb = WriteBehind(write)

    async def main() -> list[int]:
        return await asyncio.gather(*(wb.submit(i) for i in range(200)))

    assert asyncio.run(main()) == [i * 10 for i in range(200)]
    written = [i for g in write.groups for i in g]
    assert sorted(written) == list(range(200))  # each exactly once
    assert len(write.groups) < 200 / 4  # grouped, not a transaction each
    assert wb.groups == len(write.groups)
    assert write.threads == {"leadqual-writer"}  # one thread of its own, always the same
    wb.close()


def test_a_group_is_never_larger_than_max_group() -> None:
    write = Recorder()
    wb = WriteBehind(write, max_group=7)

    async def main() -> list[int]:
        return await asyncio.gather(*(wb.submit(i) for i in range(100)))

    assert asyncio.run(main()) == [i * 10 for i in range(100)]
    assert max(len(g) for g in write.groups) <= 7
    wb.close()


def test_one_bad_request_fails_alone() -> None:
    write = Recorder()
    wb = WriteBehind(write)

    async def main() -> list[int | BaseException]:
        return await asyncio.gather(*(wb.submit(i) for i in (1, 2, -3, 4, 5)),
                                    return_exceptions=True)

    results = asyncio.run(main())
    assert results[:2] == [10, 20] and results[3:] == [40, 50]
    assert isinstance(results[2], WriteFailed)
    assert sorted(i for g in write.groups for i in g) == [1, 2, 4, 5]
    wb.close()


def test_requests_from_several_event_loops_are_answered_on_their_own() -> None:
    write = Recorder(delay=0.001)
    wb = WriteBehind(write)
    results: dict[int, list[int]] = {}

    def client(k: int) -> None:
        async def main() -> list[int]:
            return await asyncio.gather(*(wb.submit(k * 1000 + i) for i in range(50)))

        results[k] = asyncio.run(main())

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {k: [(k * 1000 + i) * 10 for i in range(50)] for k in range(4)}
    wb.close()


def test_close_writes_what_is_queued_and_a_later_request_starts_again() -> None:
    write = Recorder(delay=0.01)
    wb = WriteBehind(write)

    async def first() -> list[int]:
        return await asyncio.gather(*(wb.submit(i) for i in range(20)))

    assert asyncio.run(first()) == [i * 10 for i in range(20)]
    thread = wb._thread
    assert thread is not None and thread.is_alive()
    wb.close()
    assert not thread.is_alive()
    assert asyncio.run(first()) == [i * 10 for i in range(20)]  # a new writer thread
    wb.close()
    assert sorted(i for g in write.groups for i in g) == sorted([*range(20), *range(20)])


@pytest.mark.parametrize("n", [1, 3])
def test_a_quiet_writer_answers_at_once(n: int) -> None:
    # Nothing waits to fill a group: one request alone is written as soon as it comes.
    write = Recorder(delay=0.0)
    wb = WriteBehind(write)

    async def main() -> list[int]:
        out = []
        for i in range(n):
            out.append(await wb.submit(i))
        return out

    assert asyncio.run(main()) == [i * 10 for i in range(n)]
    assert [len(g) for g in write.groups] == [1] * n
    wb.close()
