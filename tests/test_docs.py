"""Documents generated from the code (backend/docs.py) are in step with it."""

from __future__ import annotations

import importlib
import re
import subprocess

from backend.docs import AVOIDED, WORKFLOWS, documents, glossary_markdown, visibility_table
from backend.permissions import declared
from backend.resources import checkout
from backend.schema import schema
from backend.workflow import Workflow


def test_generated_documents_match_the_code():
    stale = [path.name for path, content in documents().items() if not path.exists() or path.read_text() != content]
    assert not stale, f"{stale} differ from the code: run `xuncha docs`"


def test_every_declared_workflow_is_documented():
    declared = set()
    for path in (checkout() / "backend").glob("*/workflow.py"):
        module = importlib.import_module(f"backend.{path.parent.name}.workflow")
        declared |= {id(value) for value in vars(module).values() if isinstance(value, Workflow)}
    assert declared == {id(workflow) for workflow in WORKFLOWS}


def test_the_readme_shows_who_sees_what_as_docs_permissions_does():
    readme = (checkout() / "README.md").read_text()
    assert "\n".join(visibility_table()) in readme


def test_every_operation_declares_its_access():
    """No root field of the schema is left without a declaration (backend/permissions.py)."""
    roots = (schema._schema.query_type, schema._schema.mutation_type, schema._schema.subscription_type)
    operations = {name for root in roots if root is not None for name in root.fields}
    assert operations - set(declared(schema)) == set()


def test_user_facing_text_says_what_offices_say():
    """The schema's descriptions, the README and the generated documents (but the glossary's own
    table of words not to say) hold none of the words DOMAIN.md says offices do not use."""
    glossary = glossary_markdown()
    texts = {
        "schema": schema.as_str(),
        "README.md": (checkout() / "README.md").read_text(),
        **{path.name: content for path, content in documents().items() if path.name != "glossary.md"},
        "glossary.md (enums)": glossary[glossary.index("\n## ", glossary.index("## 说法") + 1) :],
    }
    found = {(where, word) for where, text in texts.items() for word in AVOIDED if word in text}
    assert found == set()


def test_no_merge_conflict_markers_are_left_in_the_checkout():
    """A conflicted merge of docs/decisions.md was once committed with its markers."""
    tracked = subprocess.run(["git", "ls-files"], cwd=checkout(), capture_output=True, text=True, check=True).stdout.split()
    markers = re.compile(r"^(<{7} |={7}$|>{7} )", re.MULTILINE)
    conflicted = [
        name
        for name in tracked
        if name.endswith((".md", ".py", ".graphql", ".sql", ".toml", ".json")) and markers.search((checkout() / name).read_text())
    ]
    assert not conflicted, f"merge conflict markers left in {conflicted}"
