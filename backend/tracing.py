"""OpenTelemetry tracing, off unless XUNCHA_TRACING asks for it (and the `tracing` extra is
installed): `otlp` sends spans to the collector the standard OTEL_EXPORTER_OTLP_* variables
name, `console` prints them.

Spans: each HTTP request (Litestar's middleware), each GraphQL operation and its resolvers
(strawberry's extension) and each SQL statement (its text; SQLAlchemy's instrumentation). No
argument values and no statement parameters go into a span: they carry passwords, ID numbers,
reporters' names and clues, and a trace leaves the deployment for the collector."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from backend.settings import Settings

if TYPE_CHECKING:
    from litestar.plugins import PluginProtocol
    from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
    from strawberry.extensions import SchemaExtension

SERVICE_NAME = "xuncha"


def configured_provider(settings: Settings) -> TracerProvider | None:
    """The tracer provider XUNCHA_TRACING asks for; None when tracing is off."""
    if settings.tracing == "off":
        return None
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    if settings.tracing == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        return provider_with(BatchSpanProcessor(OTLPSpanExporter()))
    return provider_with(BatchSpanProcessor(ConsoleSpanExporter()))


def provider_with(processor: SpanProcessor) -> TracerProvider:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(processor)
    return provider


def instrument_engine(engine: AsyncEngine, provider: TracerProvider) -> None:
    """A span per statement the engine runs (the SQL text only). The instrumentation declares
    SQLAlchemy < 2.1; the engine events it listens to are the same in 2.1 (tests/test_tracing.py
    checks the spans arrive), so its version check is skipped."""
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    SQLAlchemyInstrumentor().instrument(engine=engine.sync_engine, tracer_provider=provider, enable_commenter=False, skip_dep_check=True)


def http_plugins(provider: TracerProvider | None) -> list[PluginProtocol]:
    if provider is None:
        return []
    from litestar.plugins.opentelemetry import OpenTelemetryConfig, OpenTelemetryPlugin

    return [OpenTelemetryPlugin(OpenTelemetryConfig(tracer_provider=provider))]


def graphql_extension(provider: TracerProvider) -> type[SchemaExtension]:
    """Strawberry's spans, with every argument left out."""
    from strawberry.extensions.tracing import OpenTelemetryExtension

    class Spans(OpenTelemetryExtension):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(arg_filter=_no_arguments, tracer_provider=provider, **kwargs)

    return Spans


def _no_arguments(arguments: dict[str, Any], info: Any) -> dict[str, Any]:
    return {}
