"""The analysis loop: read every line, classify it, feed the aggregators."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TextIO

from telemetry.logs import reader
from telemetry.logs.aggregate.boots import Evidence, Mark
from telemetry.logs.aggregate.lifecycle import LifecycleTracker
from telemetry.logs.aggregate.requests import RequestStats
from telemetry.logs.aggregate.signals import SignalStats
from telemetry.logs.model import (
    AppFlag,
    CacheBackend,
    CacheLookup,
    ErrorSignal,
    Lifecycle,
    LineContext,
    Request,
)
from telemetry.logs.parsers import UNKNOWN, Classifier

MAX_UNKNOWN_SAMPLES = 10
SAMPLE_CHARS = 200
PROGRESS_INTERVAL_S = 0.5


@dataclass(slots=True)
class Options:
    since: float | None = None
    until: float | None = None
    kpi_route: str = "/api/v1/pagos/kpis"
    kpi_target_ms: float = 500.0
    slow_ms: float = 1000.0
    small_bytes: int = 1500
    hit_rate_target: float = 0.80


@dataclass
class Analysis:
    options: Options
    sources: list[reader.Source] = field(default_factory=list)
    lines: int = 0
    families: Counter[str] = field(default_factory=Counter)
    wrappers: Counter[str] = field(default_factory=Counter)
    filtered_out: int = 0
    unknown_samples: list[tuple[str, str]] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None
    instances: set[str] = field(default_factory=set)
    requests: RequestStats = field(init=False)
    signals: SignalStats = field(default_factory=SignalStats)
    lifecycle: LifecycleTracker = field(default_factory=LifecycleTracker)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        options = self.options
        self.requests = RequestStats(options.slow_ms, options.small_bytes, options.kpi_route)


class Progress:
    """A one-line counter on stderr, only when stderr is a terminal and the input is large
    enough to take more than half a second."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream if stream is not None and stream.isatty() else None
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, lines: int, label: str) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if now - self.started < PROGRESS_INTERVAL_S or now - self.last < PROGRESS_INTERVAL_S:
            return  # small inputs finish before any progress line is worth printing
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        self.stream.write(f"\r{label}: {lines:,} lines ({lines / elapsed:,.0f}/s)")
        self.stream.flush()
        self.shown = True

    def done(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\n")
            self.stream.flush()


def analyze(
    sources: list[reader.Source], options: Options, progress: Progress | None = None
) -> Analysis:
    started = time.perf_counter()
    analysis = Analysis(options)
    analysis.sources = sources
    classifier = Classifier()
    # one for all inputs: its sequence orders their events
    dispatch = _Dispatcher(analysis, several_inputs=len(sources) > 1)
    for source in sources:
        _analyze_source(analysis, classifier, dispatch, source, progress)
    if progress is not None:
        progress.done()
    analysis.seconds = time.perf_counter() - started
    return analysis


def _analyze_source(
    analysis: Analysis,
    classifier: Classifier,
    dispatch: _Dispatcher,
    source: reader.Source,
    progress: Progress | None,
) -> None:
    options = analysis.options
    since, until = options.since, options.until
    counts: dict[str, int] = {}
    ctx = LineContext(source.label)
    classify = classifier.classify
    first_ts, last_ts = analysis.first_ts, analysis.last_ts
    last_instance = ""
    default_instance = ctx.default_instance
    add_request = analysis.requests.add
    lines = filtered = 0
    for batch in reader.batches(source):
        number = batch.first - 1
        cut = batch.oversized
        for text in batch.lines:
            number += 1
            ctx.line = number  # LineContext.start(), inlined: this loop runs per line
            ctx.instance = default_instance
            ctx.pid = None
            ctx.wrapper = None
            ctx.events = []
            oversized = bool(cut) and (number - batch.first) in cut
            family = UNKNOWN if oversized else classify(text, ctx)
            ts = ctx.ts
            if ts is not None:
                if (since is not None and ts < since) or (until is not None and ts > until):
                    filtered += 1
                    continue
                if first_ts is None or ts < first_ts:
                    first_ts = ts
                if last_ts is None or ts > last_ts:
                    last_ts = ts
            elif since is not None:
                filtered += 1  # before the first timestamp: cannot be placed
                continue
            counts[family] = counts.get(family, 0) + 1
            if family == UNKNOWN:
                if len(analysis.unknown_samples) < MAX_UNKNOWN_SAMPLES:
                    shown = text[:SAMPLE_CHARS] + (" …(oversized line)" if oversized else "")
                    analysis.unknown_samples.append((ctx.loc, shown))
                continue
            if ctx.wrapper is not None:
                analysis.wrappers[ctx.wrapper] += 1
            events = ctx.events
            if events:
                if len(events) == 1 and type(events[0]) is Request:  # most lines: inline
                    if ctx.instance != last_instance:
                        last_instance = ctx.instance
                        analysis.instances.add(last_instance)
                    add_request(events[0], ctx)
                else:
                    dispatch(ctx)
        lines = number
        if progress is not None:
            progress.update(analysis.lines + lines, source.label)
    analysis.lines += lines
    analysis.filtered_out += filtered
    analysis.families.update(counts)
    analysis.first_ts, analysis.last_ts = first_ts, last_ts


class _Dispatcher:
    """Feeds the non-request events to the aggregators, numbering them in input order.

    With several inputs, lines that name no instance are kept apart per file for the
    lifecycle (``- (file)``): two unlabelled files may well be two different servers.
    """

    def __init__(self, analysis: Analysis, several_inputs: bool) -> None:
        self.analysis = analysis
        self.seq = 0
        self.several_inputs = several_inputs

    def __call__(self, ctx: LineContext) -> None:
        analysis = self.analysis
        instance = ctx.instance
        analysis.instances.add(instance)
        if instance == "-" and self.several_inputs:
            instance = f"- ({ctx.file})"
        loc = ctx.loc
        for event in ctx.events:
            if type(event) is Request:
                analysis.requests.add(event, ctx)
                continue
            self.seq += 1
            mark = Mark(self.seq, ctx.ts, loc)
            if type(event) is Lifecycle:
                analysis.lifecycle.apply(event, instance, mark)
            elif type(event) is CacheBackend:
                evidence = Evidence(mark, event.backend, event.pid, event.text[:SAMPLE_CHARS])
                analysis.lifecycle.cache_evidence(instance, evidence)
            elif type(event) is CacheLookup:
                analysis.signals.lookup(event.result)
            elif type(event) is AppFlag:
                analysis.requests.flag(event, loc, ctx.ts)
            elif type(event) is ErrorSignal:
                kind = event.kind
                if kind == "traceback":
                    kind = f"traceback {event.detail}"
                analysis.signals.error(kind, event.detail, loc)
                if event.kind == "health_check_failed":
                    analysis.lifecycle.health_failed(instance, mark)
                elif event.kind == "out_of_memory":
                    analysis.lifecycle.oom(instance, mark)
