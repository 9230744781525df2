"""OpenTelemetry tracing (issue 24 item 6, backend/tracing.py): off by default; on, a request
gives an HTTP span, a GraphQL operation span and a span per SQL statement, and no span carries
an argument or a statement parameter (a password, a finding's words)."""

from __future__ import annotations

import dataclasses

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backend import tracing
from backend.settings import Settings
from tests.helpers import LOG_FINDING, finding_input
from tests.identity import PASSWORD, Api

LOGIN = "mutation Login($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }"
SECRET_WORDS = "借调人员张某某长期不归"


def test_tracing_is_off_unless_asked_for(monkeypatch):
    monkeypatch.delenv("XUNCHA_TRACING", raising=False)
    assert tracing.configured_provider(Settings.from_env()) is None
    monkeypatch.setenv("XUNCHA_TRACING", "jaeger")
    try:
        Settings.from_env()
    except SystemExit as refused:
        assert "XUNCHA_TRACING" in str(refused)
    else:
        raise AssertionError("an unknown exporter was accepted")


async def test_a_traced_request_has_its_spans_and_none_carries_what_was_sent(county_office):
    runtime, tokens = county_office
    exporter = InMemorySpanExporter()
    provider = tracing.provider_with(SimpleSpanProcessor(exporter))
    tracing.instrument_engine(runtime.engine, provider)
    try:
        async with Api(dataclasses.replace(runtime, tracer_provider=provider)) as api:
            signed_in = await api.call(LOGIN, u="sf.inspector", p=PASSWORD)
            logged = await api.call(LOG_FINDING, tokens["inspector"], i=finding_input(description=SECRET_WORDS))
    finally:
        SQLAlchemyInstrumentor().uninstrument()
    assert signed_in.get("errors") is None and logged.get("errors") is None, (signed_in, logged)
    spans = exporter.get_finished_spans()
    names = [span.name for span in spans]
    assert any(name.startswith("POST /graphql") for name in names), names
    assert "GraphQL Query: Login" in names and "GraphQL Resolving: login" in names
    statements = [span.attributes.get("db.statement", "") for span in spans if span.attributes and "db.statement" in span.attributes]
    assert any("INSERT INTO" in statement and "finding" in statement for statement in statements)
    carried = " ".join(str(value) for span in spans for value in (span.attributes or {}).values())
    assert PASSWORD not in carried and SECRET_WORDS not in carried
