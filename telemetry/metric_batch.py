"""Metric updates made on every request, summed in plain Python and added to prometheus_client's
values once per event-loop iteration.

prometheus_client takes a lock for every value it updates and, in multiprocess mode, also writes
the value to the worker's mmap file. A request moves six values (the duration and size
histograms' sum and bucket, the active-requests gauge up and down). Batched, a busy worker pays
for each touched value once per iteration, whatever the number of requests the iteration
served; a request that starts and ends within one iteration leaves the active-requests gauge
where it was, without writing it.

An update becomes visible at the end of the event-loop iteration that made it, or sooner when
this process renders its metrics (:func:`telemetry.exposition.render_metrics` commits first).
Updates and commits happen on the thread of the event loop serving the app: one loop per
process, as under uvicorn and gunicorn."""

from __future__ import annotations

import asyncio
from bisect import bisect_left
from typing import Protocol

from prometheus_client import Gauge, Histogram


class _Batched(Protocol):
    def commit(self) -> None: ...


class UpdateBatch:
    """The batched metrics touched since the last commit, and the commit that adds them."""

    __slots__ = ("_loop", "_touched")

    def __init__(self) -> None:
        self._touched: list[_Batched] = []
        # the loop where a commit is scheduled, so that the next loop schedules its own (loops
        # run their pending callbacks before closing: asyncio.run, test loops)
        self._loop: asyncio.AbstractEventLoop | None = None

    def touch(self, batched: _Batched) -> None:
        """``batched`` has updates to commit at the end of this event-loop iteration."""
        self._touched.append(batched)
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self._loop = loop
            loop.call_soon(self.commit)

    def commit(self) -> None:
        self._loop = None
        touched, self._touched = self._touched, []
        committed = 0
        try:
            for batched in touched:
                batched.commit()
                committed += 1
        finally:
            # a value that cannot be written now (a full disk under the metric files) must not
            # leave the others stranded: they wait for the next commit
            self._touched.extend(touched[committed + 1 :])


class BatchedHistogram:
    """A labelled histogram child observed in plain Python (a bisection and two additions);
    ``commit`` adds the counts and the sum to the child. It relies on the child's layout in
    prometheus_client (``_sum``, ``_buckets``, ``_upper_bounds``, unchanged since 0.20): a test
    compares its exposition with ``observe``'s, in one process and in multiprocess mode."""

    __slots__ = ("_batch", "_bounds", "_bucket_values", "_counts", "_sum", "_sum_value", "_touched")

    def __init__(self, child: Histogram, batch: UpdateBatch) -> None:
        self._batch = batch
        self._sum_value = child._sum
        self._bucket_values = child._buckets
        self._bounds: list[float] = child._upper_bounds
        self._counts: dict[int, int] = {}  # bucket index: observations since the last commit
        self._sum = 0.0
        self._touched = False

    def observe(self, amount: float) -> None:
        """Like ``child.observe(amount)``, once committed, for any amount but NaN."""
        # ``observe`` counts an amount in the first bucket whose bound is >= it; +Inf is last
        index = bisect_left(self._bounds, amount)
        self._counts[index] = self._counts.get(index, 0) + 1
        self._sum += amount
        if not self._touched:
            self._touched = True
            self._batch.touch(self)

    def commit(self) -> None:
        # what could not be added stays for the next commit (the next observation schedules
        # it); what was added never is again
        self._touched = False
        counts = self._counts
        for index in list(counts):
            self._bucket_values[index].inc(counts[index])
            del counts[index]
        self._sum_value.inc(self._sum)
        self._sum = 0.0


class BatchedGauge:
    """A labelled gauge child (not in a ``mostrecent`` mode) moved in plain Python; ``commit``
    adds the net move to the child."""

    __slots__ = ("_batch", "_move", "_touched", "_value")

    def __init__(self, child: Gauge, batch: UpdateBatch) -> None:
        self._batch = batch
        self._value = child._value
        self._move = 0.0
        self._touched = False

    def add(self, amount: float) -> None:
        self._move += amount
        if not self._touched:
            self._touched = True
            self._batch.touch(self)

    def commit(self) -> None:
        self._touched = False
        if self._move:
            self._value.inc(self._move)  # if this raises, the move waits for the next commit
            self._move = 0.0
