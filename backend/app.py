"""The Litestar application: GraphQL at /graphql (GraphiQL on; subscriptions over
graphql-transport-ws), evidence files at /evidence, 12310 reports at /report, ledger and case-ledger exports, printable letters,
review reports and bulletins (HTML, PDF), /healthz and /readyz."""

from __future__ import annotations

import asyncio

import orjson
from cross_web import HTTPException  # what strawberry raises for a request it cannot read
from litestar import Litestar, Request, get
from litestar.logging.config import LoggingConfig
from litestar.response import Response
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text
from strawberry.litestar import make_graphql_controller
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from backend import tracing
from backend.accountability.routes import export_cases
from backend.bulletins.routes import bulletin_as_pdf, print_bulletin
from backend.context import context_getter
from backend.correspondence.routes import correspondence_docx, correspondence_pdf, download_attachment, upload_organ_file
from backend.errors import domain_error_response
from backend.evaluation.routes import evaluation_report_docx, evaluation_report_pdf, evaluation_results, import_satisfaction
from backend.evidence.routes import download_evidence, upload_evidence
from backend.findings.routes import export_ledger, findings_template, staff_template
from backend.graphiql import graphiql_asset, local_graphiql_html
from backend.inspection_report.routes import inspection_report_docx, inspection_report_pdf
from backend.letters.routes import print_letter
from backend.logs import RouteRequestLog
from backend.metrics import metrics
from backend.permissions import anyone, permitted
from backend.reports_12310.routes import submit_report
from backend.reviews.routes import review_report
from backend.reviews.summary import review_summary
from backend.runtime import Runtime
from backend.schema import build_schema
from backend.settings import Settings
from backend.staff.routes import import_staff
from backend.year_statistics.routes import statistics_docx, statistics_xlsx
from tenants.errors import DomainError

READINESS_TIMEOUT_SECONDS = 2.0
GRAPHIQL_HTML = local_graphiql_html()


def graphql_controller(settings: Settings, tracer_provider: tracing.TracerProvider | None = None) -> type:
    base = make_graphql_controller(
        build_schema(production=settings.is_production, edge=settings.edge, tracer_provider=tracer_provider),
        path="/graphql",
        graphql_ide=None if settings.is_production else "graphiql",
        context_getter=context_getter,
        # graphql-transport-ws only: the legacy graphql-ws protocol is not offered.
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=settings.edge.allowed_origins,
    )

    class GraphQLController(base):  # type: ignore[misc, valid-type]  # strawberry makes the base class at run time
        graphql_ide_html = GRAPHIQL_HTML  # its assets from this application, not a CDN

        def encode_json(self, data: object) -> bytes:
            return orjson.dumps(data)

        async def execute_request(self, request: Request, context: object, root_value: object) -> Response:
            """A body that is not a GraphQL request gets its 4xx as a GraphQL-shaped JSON error
            with a code (strawberry answers plain text), like every other refusal."""
            try:
                return await self.run(request, context=context, root_value=root_value)
            except HTTPException as error:
                body = {"errors": [{"message": f"请求无效：{error.reason}", "extensions": {"code": "BAD_REQUEST"}}]}
                return Response(body, status_code=error.status_code)

    return GraphQLController


@get("/healthz", sync_to_thread=False, guards=[permitted], opt={"access": anyone()})
def healthz() -> dict[str, str]:
    """The process is up (says nothing of its dependencies)."""
    return {"status": "ok"}


async def _check(probe) -> str:
    try:
        await asyncio.wait_for(probe(), READINESS_TIMEOUT_SECONDS)
        return "ok"
    except Exception as error:  # any failure means "not ready"; the reason is reported
        return f"error: {type(error).__name__}"


@get("/readyz", guards=[permitted], opt={"access": anyone()})
async def readyz(request: Request) -> Response[dict[str, str]]:
    """Ready when the database and Redis both answer."""
    runtime: Runtime = request.app.state.runtime

    async def database() -> None:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    checks = {"database": await _check(database), "redis": await _check(runtime.redis.ping)}
    ready = all(result == "ok" for result in checks.values())
    return Response(checks, status_code=HTTP_200_OK if ready else HTTP_503_SERVICE_UNAVAILABLE)


def body_too_large(request: Request, error: Exception) -> Response:
    """Litestar's 413 for a body over the limit (the route's own, or the application's), in the
    GraphQL error shape with a code."""
    limit = request.route_handler.resolve_request_max_body_size() or request.app.state.runtime.settings.edge.max_body_bytes
    return Response(
        {"errors": [{"message": f"请求体超过 {limit // 1024} KB 上限", "extensions": {"code": "BODY_TOO_LARGE"}}]}, status_code=413
    )


# Litestar logs a route's unexpected errors (with their traceback) through the process's own
# handlers (backend/logs.py); refusals are the request's log line, not an error.
ROUTE_ERRORS = LoggingConfig(
    configure_root_logger=False,
    loggers={"litestar": {"level": "INFO", "propagate": True, "handlers": []}},
    log_exceptions="always",
    disable_stack_trace={DomainError, *range(400, 500)},
)


# The routes besides /graphql, each declaring its access (backend/permissions.py).
ROUTES = (
    healthz,
    readyz,
    upload_evidence,
    download_evidence,
    export_ledger,
    findings_template,
    staff_template,
    print_letter,
    review_report,
    review_summary,
    export_cases,
    statistics_xlsx,
    statistics_docx,
    print_bulletin,
    bulletin_as_pdf,
    inspection_report_docx,
    inspection_report_pdf,
    import_satisfaction,
    evaluation_results,
    evaluation_report_docx,
    evaluation_report_pdf,
    correspondence_docx,
    correspondence_pdf,
    upload_organ_file,
    download_attachment,
    import_staff,
    submit_report,
    metrics,
    graphiql_asset,
)


def create_app(runtime: Runtime) -> Litestar:
    settings = runtime.settings
    app = Litestar(
        route_handlers=[graphql_controller(settings, runtime.tracer_provider), *ROUTES],
        plugins=tracing.http_plugins(runtime.tracer_provider),
        exception_handlers={DomainError: domain_error_response, 413: body_too_large},
        debug=not settings.is_production,
        request_max_body_size=settings.edge.max_body_bytes,
        middleware=[RouteRequestLog],
        logging_config=ROUTE_ERRORS,
    )
    app.state.runtime = runtime
    return app
