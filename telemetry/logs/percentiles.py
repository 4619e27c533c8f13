"""Latency percentiles: exact up to a sample limit, then a bounded-error log histogram.

Definition (nearest rank): the p-th percentile of n sorted values is the value at rank
``ceil(p / 100 * n)`` (1-based). While a series holds at most ``EXACT_LIMIT`` samples that is
exactly what is reported. Beyond it the samples move into logarithmic buckets whose width
keeps every reported percentile within ``RELATIVE_ERROR`` (1%) of the exact nearest-rank
value, in a fixed amount of memory (a few hundred buckets for 1 µs … 1 day).
"""

from __future__ import annotations

import math
from array import array

EXACT_LIMIT = 10_000
RELATIVE_ERROR = 0.01
_GAMMA = (1 + RELATIVE_ERROR) / (1 - RELATIVE_ERROR)
_INV_LOG_GAMMA = 1 / math.log(_GAMMA)
_log, _ceil = math.log, math.ceil
_INF = math.inf
_MIN_POSITIVE = 1e-3  # values below one microsecond (in ms) count as zero


class Quantiles:
    __slots__ = ("_buckets", "_exact", "_zeros", "count", "maximum", "total")

    def __init__(self) -> None:
        self._exact: array[float] | None = array("d")
        self._buckets: dict[int, int] = {}
        self._zeros = 0
        self.count = 0
        self.total = 0.0
        self.maximum: float | None = None

    def add(self, value: float) -> None:
        if value != value or value == _INF:  # NaN or infinite: not a measurement
            return
        self.count += 1
        self.total += value
        if self.maximum is None or value > self.maximum:
            self.maximum = value
        exact = self._exact
        if exact is not None:
            exact.append(value)
            if len(exact) > EXACT_LIMIT:
                for sample in exact:
                    self._bucket(sample)
                self._exact = None
        elif value < _MIN_POSITIVE:
            self._zeros += 1
        else:
            index = _ceil(_log(value) * _INV_LOG_GAMMA)
            buckets = self._buckets
            buckets[index] = buckets.get(index, 0) + 1

    def _bucket(self, value: float) -> None:
        if value < _MIN_POSITIVE:
            self._zeros += 1
            return
        index = _ceil(_log(value) * _INV_LOG_GAMMA)
        self._buckets[index] = self._buckets.get(index, 0) + 1

    @property
    def exact(self) -> bool:
        return self._exact is not None

    def percentile(self, p: float) -> float | None:
        if self.count == 0:
            return None
        rank = max(1, math.ceil(p / 100 * self.count))
        if self._exact is not None:
            return sorted(self._exact)[rank - 1]
        if rank <= self._zeros:
            return 0.0
        seen = self._zeros
        for index in sorted(self._buckets):
            seen += self._buckets[index]
            if seen >= rank:
                # every value v in bucket i satisfies gamma^(i-1) < v <= gamma^i; this
                # midpoint is within RELATIVE_ERROR of all of them
                estimate = 2 * _GAMMA**index / (_GAMMA + 1)
                return min(estimate, self.maximum) if self.maximum is not None else estimate
        return self.maximum

    def summary(self, points: tuple[float, ...] = (50, 95, 99)) -> dict[str, float | None]:
        if self._exact is not None and self.count:
            ordered = sorted(self._exact)
            result: dict[str, float | None] = {
                f"p{p:g}": ordered[max(1, math.ceil(p / 100 * self.count)) - 1] for p in points
            }
        else:
            result = {f"p{p:g}": self.percentile(p) for p in points}
        result["max"] = self.maximum
        return result
