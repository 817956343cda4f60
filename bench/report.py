"""How every benchmark reports: a readable table and one JSON line per measurement."""

from __future__ import annotations

import json
import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from typing import Any

__all__ = ["emit", "in_child"]


def emit(
    bench: str,
    ours: float,
    baseline: str,
    baseline_value: float,
    *,
    unit: str = "s",
    goal: str,
    met: bool,
    **extra: Any,
) -> dict[str, Any]:
    """Print one measurement as the documented JSON line (and return it)."""
    ratio = ours / baseline_value if baseline_value else float("inf")
    line = {
        "bench": bench,
        "ours": round(ours, 4),
        "baseline": baseline,
        "baseline_value": round(baseline_value, 4),
        "unit": unit,
        "ratio": round(ratio, 3),
        "goal": goal,
        "met": bool(met),
        **extra,
    }
    print(json.dumps(line))
    return line


def _run(fn: Callable[..., Any], args: tuple[Any, ...], repeat: int, queue: Any) -> None:
    seconds = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        seconds = min(seconds, time.perf_counter() - t)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak_mb, out))


def in_child(fn: Callable[..., Any], *args: Any, repeat: int = 3) -> tuple[float, float, Any]:
    """Run ``fn(*args)`` ``repeat`` times in a fresh process: (best seconds, peak RSS in MB of
    that process, result).

    A fresh process per measurement keeps one side's memory from counting against the other; the
    best of a few runs keeps a noisy machine from deciding the ratio.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_run, args=(fn, args, repeat, queue))
    proc.start()
    result = queue.get()
    proc.join()
    if proc.exitcode != 0:
        raise RuntimeError(f"benchmark child failed with exit code {proc.exitcode}")
    return result  # type: ignore[no-any-return]
