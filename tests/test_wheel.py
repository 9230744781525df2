"""The installable package: a wheel built from the checkout runs in a fresh virtual environment
(migrations, the national register, templates, the SDL and GraphiQL's files travel inside it),
and everything its code imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
import uuid
from importlib.metadata import packages_distributions
from pathlib import Path

import httpx
import pytest

from backend.resources import checkout
from bench.common import serving_process
from tests.helpers import command

SHIPPED_CODE = ("backend", "tenants", "problem_bank", "migrations")
FIRST_PARTY = {"backend", "tenants", "problem_bank", "__future__"}
# Each extra and the only module that imports it.
EXTRA_MODULES = {"embedded": "backend/embedded.py", "tracing": "backend/tracing.py"}
UV = checkout() / ".tools" / "bin" / "uv"  # ./dev installs it
PASSWORD = "Wheel-test-2026"
LOGIN = """mutation($p: String!) { login(username: "root", password: $p) { accessToken } }"""


def _checked(result) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stderr}"
    return result.stdout


async def _installed(tmp_path: Path) -> Path:
    """A fresh virtual environment with the wheel (and no extra) installed, at the versions of
    uv.lock, which `./dev` has already put in uv's cache: its bin/ directory."""
    env = {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}}
    root = checkout()
    _checked(await command([str(UV), "build", "--wheel", "--quiet", "--out-dir", str(tmp_path / "dist")], env=env, cwd=root))
    [wheel] = (tmp_path / "dist").glob("xuncha-*.whl")
    pins = tmp_path / "pins.txt"
    export = [str(UV), "export", "--frozen", "--no-dev", "--no-emit-project", "--no-hashes", "--quiet", "--output-file", str(pins)]
    _checked(await command(export, env=env, cwd=root))
    venv = tmp_path / "venv"
    _checked(await command([str(UV), "venv", "--quiet", "--python", sys.executable, str(venv)], env=env, cwd=tmp_path))
    install = [str(UV), "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), "--constraint", str(pins), str(wheel)]
    _checked(await command(install, env=env, cwd=tmp_path))
    return venv / "bin"


@pytest.mark.slow
async def test_the_wheel_installs_migrates_and_serves_outside_the_checkout(services, database_url, tmp_path):
    bin_dir = await _installed(tmp_path)
    work = tmp_path / "work"  # not the checkout: nothing can be imported from it
    work.mkdir()
    bare = {name: value for name, value in os.environ.items() if name not in {"PYTHONPATH", "DATABASE_URL", "REDIS_URL"}}
    bare |= {"XUNCHA_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    env = bare | {
        "DATABASE_URL": database_url,
        "REDIS_URL": services.redis_url,
        "XUNCHA_REDIS_PREFIX": f"xuncha-wheel-{uuid.uuid4().hex[:8]}",
        "XUNCHA_QUEUE_NAME": f"xuncha:wheel:{uuid.uuid4().hex[:8]}",
        "XUNCHA_SUPERUSER_PASSWORD": PASSWORD,
    }

    where = "from backend import resources; print(resources.CHECKOUT, resources.SDL.is_file(), resources.MIGRATIONS)"
    checkout_seen, sdl_shipped, migrations = _checked(await command([str(bin_dir / "python"), "-c", where], env=env, cwd=work)).split()
    assert (checkout_seen, sdl_shipped) == ("None", "True")
    assert Path(migrations).is_relative_to((tmp_path / "venv").resolve()), migrations

    refused = await command([str(bin_dir / "xuncha"), "db", "upgrade"], env=bare, cwd=work)
    assert refused.returncode == 1 and "pip install 'xuncha[embedded]'" in refused.stderr, refused.stderr

    assert "机构迁移汇总" in _checked(await command([str(bin_dir / "xuncha"), "db", "upgrade"], env=env, cwd=work))
    assert "湖南省" in _checked(await command([str(bin_dir / "xuncha"), "tenants", "create", "430000"], env=env, cwd=work))
    _checked(await command([str(bin_dir / "xuncha"), "users", "create-superuser", "root"], env=env, cwd=work))

    async with (
        serving_process(["serve"], env, program=str(bin_dir / "xuncha"), cwd=work) as (url, _),
        httpx.AsyncClient(base_url=url, timeout=30) as client,
    ):
        assert (await client.get("/healthz")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json() == {"database": "ok", "redis": "ok"}
        template = await client.get("/templates/findings.xlsx")
        assert template.status_code == 200 and template.content.startswith(b"PK")
        assert (await client.get("/graphiql/react.production.min.js")).status_code == 200
        login = await client.post("/graphql", json={"query": LOGIN, "variables": {"p": PASSWORD}})
        token = login.json()["data"]["login"]["accessToken"]
        tenant = await client.post(
            "/graphql", json={"query": '{ tenant(code: "430000") { name } }'}, headers={"Authorization": f"Bearer {token}"}
        )
        assert tenant.json() == {"data": {"tenant": {"name": "湖南省"}}}


def _name(requirement: str) -> str:
    name = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert name, requirement
    return re.sub(r"[-_.]+", "-", name.group()).lower()


def _imports() -> dict[str, set[str]]:
    """Each top-level module the shipped code imports, with the files importing it."""
    found: dict[str, set[str]] = {}
    root = checkout()
    for folder in SHIPPED_CODE:
        for path in (root / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    found.setdefault(module.split(".")[0], set()).add(str(path.relative_to(root)))
    return found


def test_every_imported_package_is_declared():
    project = tomllib.loads((checkout() / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    required = {_name(requirement) for requirement in project["dependencies"]}
    extras = {extra: {_name(requirement) for requirement in project["optional-dependencies"][extra]} for extra in EXTRA_MODULES}
    distributions = packages_distributions()
    undeclared, misplaced = [], []
    for module, files in sorted(_imports().items()):
        if module in FIRST_PARTY or module in sys.stdlib_module_names:
            continue
        names = {_name(distribution) for distribution in distributions.get(module, [module])}
        if names & required:
            continue
        extra = next((extra for extra, packages in extras.items() if names & packages), None)
        if extra is not None and files == {EXTRA_MODULES[extra]}:
            continue
        (misplaced if extra is not None else undeclared).append(f"{module} ({', '.join(sorted(files))})")
    assert not undeclared, f"imported but not in [project] dependencies: {undeclared}"
    assert not misplaced, f"an extra imported outside its module ({EXTRA_MODULES}): {misplaced}"
