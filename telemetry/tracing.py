"""OpenTelemetry traces, set up in each worker after fork (a provider made before fork
would leave every worker with the master's dead exporter thread).

One trace per request: the HTTP server span (FastAPI), and inside it the Redis and SQL spans,
so a slow cache miss and a slow database can be told apart. A trace starts only at a request:
Redis and SQL work outside one (a probe's queries, a background loop's commands) is not
traced, nor are the requests left out (scrapes and probes) with their queries. Exported over
OTLP/HTTP when an endpoint is configured, to the console on request, nowhere otherwise."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import FastAPI
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, Span, SpanKind, TraceState
from opentelemetry.util.types import Attributes
from sqlalchemy.ext.asyncio import AsyncEngine

Exporter = Literal["otlp", "console", "none"]


@dataclass(frozen=True)
class TracingConfig:
    service_name: str
    service_version: str
    environment: str
    exporter: Exporter = "none"
    otlp_endpoint: str | None = None
    sample_ratio: float = 1.0
    # regexes of URLs never traced: scrapes and probes
    excluded_urls: str = "/metrics,/health/,/api/v1/health/"


class RequestRoots(Sampler):
    """Starts a trace only at an incoming request (a server span), sampled by ``ratio``; any
    other span without a parent is dropped. Spans with a parent follow it (``ParentBased``)."""

    def __init__(self, ratio: float) -> None:
        self._ratio = TraceIdRatioBased(ratio)

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: TraceState | None = None,
    ) -> SamplingResult:
        if kind is not SpanKind.SERVER:
            return SamplingResult(Decision.DROP)
        return self._ratio.should_sample(
            parent_context, trace_id, name, kind, attributes, links, trace_state
        )

    def get_description(self) -> str:
        return f"RequestRoots{{{self._ratio.get_description()}}}"


def build_provider(
    config: TracingConfig, exporter: SpanExporter | None = None
) -> TracerProvider | None:
    """A provider for this worker, or None when nothing would receive the spans.
    ``exporter`` replaces the configured one (tests use an in-memory exporter)."""
    if exporter is None and config.exporter == "none":
        return None
    resource = Resource.create(
        {
            "service.name": config.service_name,
            "service.version": config.service_version,
            "deployment.environment": config.environment,
            "service.instance.id": f"{socket.gethostname()}-{os.getpid()}",
        }
    )
    provider = TracerProvider(
        resource=resource, sampler=ParentBased(RequestRoots(config.sample_ratio))
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif config.exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = (config.otlp_endpoint or "").rstrip("/")
        otlp = OTLPSpanExporter(endpoint=f"{endpoint}/v1/traces" if endpoint else None)
        # a bounded queue, exported in the background: a slow collector never slows requests
        provider.add_span_processor(BatchSpanProcessor(otlp, max_queue_size=4096))
    return provider


def _without_query(span: Span, scope: dict[str, Any]) -> None:
    """Query strings may carry tokens: spans keep the path only."""
    if span.is_recording():
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
        url = f"{scope.get('scheme', 'http')}://{host}{scope.get('path', '')}"
        span.set_attribute("http.url", url)


def instrument_app(app: FastAPI, provider: TracerProvider, config: TracingConfig) -> None:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=provider,
        excluded_urls=config.excluded_urls,
        exclude_spans=["receive", "send"],
        server_request_hook=_without_query,
    )


def instrument_engine(engine: AsyncEngine, provider: TracerProvider) -> None:
    # the instrumentation declares SQLAlchemy < 2.1; its engine events work with 2.1 as well
    SQLAlchemyInstrumentor().instrument(
        engine=engine.sync_engine, tracer_provider=provider, skip_dep_check=True
    )


def uninstrument_engine() -> None:
    SQLAlchemyInstrumentor().uninstrument()


def instrument_redis(client: Any, provider: TracerProvider) -> None:
    RedisInstrumentor.instrument_client(client, tracer_provider=provider)
