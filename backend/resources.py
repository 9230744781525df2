"""Where the files the application reads at run time are, from a source checkout or from an
installed wheel. In a checkout they are the repository's top-level directories (migrations/,
graphql/, docs/templates/); the wheel carries the same tree under backend/_shipped/
(pyproject.toml's force-include), because `graphql` and `migrations` cannot be top-level names
in site-packages (graphql-core owns `graphql`). The national register (tenants/register/) and
GraphiQL's files (backend/static/) live inside their packages and are found beside their code."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLED = _PACKAGE / "_shipped"

# The source checkout this code runs from; None when it runs from an installed wheel.
CHECKOUT: Path | None = None if _BUNDLED.is_dir() else _PACKAGE.parent
SHIPPED = _BUNDLED if CHECKOUT is None else CHECKOUT
MIGRATIONS = SHIPPED / "migrations"
TEMPLATES = SHIPPED / "docs" / "templates"
SDL = SHIPPED / "graphql" / "schema.graphql"  # the published contract, the example operations in operations/ beside it


def checkout() -> Path:
    """The source checkout, for what only makes sense in one (writing docs/ and graphql/, tests)."""
    if CHECKOUT is None:
        raise SystemExit("此操作需要在源码目录中运行（安装的软件包不含 docs/ 等源文件）")
    return CHECKOUT
