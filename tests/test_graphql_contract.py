"""The published contract: graphql/schema.graphql matches the code, and the example
operations in graphql/operations/ are valid against it."""

from pathlib import Path

import pytest

from backend.resources import SDL
from backend.schema import schema
from graphql import parse, validate

OPERATIONS = sorted((SDL.parent / "operations").glob("*.graphql"))


def test_committed_sdl_matches_the_code():
    assert SDL.read_text(encoding="utf-8") == schema.as_str() + "\n", (
        "graphql/schema.graphql is stale: run `xuncha graphql export` and commit it"
    )


def test_there_are_example_operations():
    assert OPERATIONS


@pytest.mark.parametrize("path", OPERATIONS, ids=lambda p: p.name)
def test_example_operations_are_valid(path: Path):
    errors = validate(schema._schema, parse(path.read_text(encoding="utf-8")))
    assert errors == []
