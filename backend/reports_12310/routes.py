"""The 12310 intake over plain HTTP, for a web form or any client without GraphQL:

    POST /report/{tenant}   body: JSON, or a form (urlencoded or multipart), with the fields
                            reportedUnit, content, reporterName, reporterContact
                            → 201 {"queryCode": "431321-…"}

No account; refusals carry the same codes as GraphQL (RATE_LIMITED 429, NOT_FOUND 404,
INVALID_TEXT 400, a body over REPORT_MAX_BODY_BYTES 413 BODY_TOO_LARGE). The answer is JSON,
never HTML."""

from __future__ import annotations

import orjson
from litestar import Request, post

from backend.context import context_for
from backend.permissions import anyone, permitted
from backend.reports_12310.intake import LIMITS, receive
from tenants.errors import DomainError

# The longest report: every field at its limit, each character written as a JSON \u escape.
REPORT_MAX_BODY_BYTES = 40 * 1024
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@post(
    "/report/{tenant_code:str}", request_max_body_size=REPORT_MAX_BODY_BYTES, status_code=201, guards=[permitted], opt={"access": anyone()}
)
async def submit_report(request: Request, tenant_code: str) -> dict[str, str]:
    code = await receive(context_for(request), tenant_code, await _fields(request))
    return {"queryCode": str(code)}


async def _fields(request: Request) -> dict[str, object]:
    """The report's fields from a form or a JSON object (anything else is refused)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() in FORMS:
        form = await request.form()
        return {name: form.get(name) for name in LIMITS}
    try:
        fields = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        fields = None
    if not isinstance(fields, dict):
        raise DomainError("INVALID_INPUT", "请求体须为 JSON 对象或表单")
    return fields
