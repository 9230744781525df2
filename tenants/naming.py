"""Schema names. Every name is checked against its pattern before it is put into SQL."""

from __future__ import annotations

import re

from tenants.errors import DomainError

REGISTRY_SCHEMA = "tenancy"
# The app role's default search_path: an empty schema, so a query that forgot its tenant fails.
NO_TENANT_SCHEMA = "no_tenant"
# Tenant models declare this schema; sessions translate it to the tenant's real schema.
TENANT_SCHEMA_PLACEHOLDER = "tenant"

_CODE = re.compile(r"\d{6}")
_TENANT_SCHEMA = re.compile(r"t\d{6}")
_SPARE_SCHEMA = re.compile(r"spare_\d{6}")


def check_code(code: object, field: str = "code") -> str:
    """Return the code if it is six ASCII digits, else raise INVALID_CODE on `field`."""
    if not isinstance(code, str) or not _CODE.fullmatch(code) or not code.isascii():
        raise DomainError("INVALID_CODE", f"行政区划代码必须是 6 位数字，收到 {code!r}", field=field)
    return code


def schema_for_code(code: str) -> str:
    return f"t{check_code(code)}"


def spare_schema_name(number: int) -> str:
    return f"spare_{number:06d}"


def quoted_schema(name: str) -> str:
    """The schema name quoted for SQL, only for tenant and spare schema names."""
    if not (_TENANT_SCHEMA.fullmatch(name) or _SPARE_SCHEMA.fullmatch(name)) or not name.isascii():
        raise DomainError("INVALID_SCHEMA", f"非法的 schema 名称 {name!r}")
    return f'"{name}"'
