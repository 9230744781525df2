"""Both evidence stores in tests: the local directory (the default) and S3, on a real S3-protocol
server (moto's, a separate process on a free port, one per test worker; each test its own key
prefix). A test takes both with `@both_stores`; every other test runs on the local one. And a
20 MB file made a chunk at a time, with the peak memory a block takes.

Plugged in by conftest.py (`pytest_plugins`)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import random
import subprocess
import sys
import time
import tracemalloc
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import boto3
import pytest

from backend.evidence.local_store import LocalStore
from backend.evidence.location import evidence_store
from backend.evidence.s3_store import S3Store
from backend.evidence.store import CHUNK_BYTES, EvidenceStore
from backend.settings import Settings
from bench.common import free_port

BUCKET = "xuncha-evidence"
REGION = "cn-north-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "xuncha-test", "AWS_SECRET_ACCESS_KEY": "xuncha-test-secret"}

both_stores = pytest.mark.parametrize("evidence_url", ["local", "s3"], indirect=True)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server with the bucket made, and the standard AWS variables holding its
    (any) credentials, as an operator would set them."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as environment:
        for name, value in CREDENTIALS.items():
            environment.setenv(name, value)
        try:
            _wait_until_up(endpoint)
            client = boto3.client("s3", endpoint_url=endpoint, region_name=REGION)
            client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
            yield endpoint
        finally:
            server.terminate()
            server.wait(10)


def _wait_until_up(endpoint: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(endpoint, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def evidence_url(request: pytest.FixtureRequest) -> str:
    """XUNCHA_EVIDENCE_URL of the test's runtime: "" (the data directory) unless the test asks
    for "s3" (`both_stores`): then a prefix of its own in the moto server's bucket."""
    if getattr(request, "param", "local") == "local":
        return ""
    endpoint = request.getfixturevalue("s3_endpoint")
    return f"s3://{BUCKET}/test-{uuid.uuid4().hex[:12]}?endpoint={endpoint}&region={REGION}"


def elsewhere(settings: Settings) -> str:
    """The URL of another deployment's store beside `settings`' (a restore's target): for S3,
    another prefix in the bucket; locally, the data directory's, which the caller moves."""
    if not settings.evidence_url:
        return ""
    parts = urlsplit(settings.evidence_url)
    return urlunsplit(parts._replace(path=f"{parts.path}-elsewhere"))


def stored(settings: Settings) -> dict[str, bytes]:
    """Everything in the settings' evidence store, by SHA-256 (test files are small)."""
    store = evidence_store(settings)
    if isinstance(store, LocalStore):
        names = [path.name for path in store.root.rglob("*") if path.is_file() and path.parent != store.staging]
    else:
        assert isinstance(store, S3Store)
        pages = store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=store.prefix)
        names = [item["Key"].rsplit("/", 1)[-1] for page in pages for item in page.get("Contents", [])]
    return {name: read(store, name) for name in names}


def read(store: EvidenceStore, sha256: str) -> bytes:
    with store.open(sha256) as content:
        return content.stream.read()


def put(store: EvidenceStore, content: bytes) -> None:
    """Store content as an earlier version did, without the upload's checks."""
    assert store.keep_stream(hashlib.sha256(content).hexdigest(), io.BytesIO(content))


LARGE_CHUNKS = 20  # of 1 MB: the largest evidence file XUNCHA_EVIDENCE_MAX_MB lets in by default
LARGE = LARGE_CHUNKS * CHUNK_BYTES


def large_file() -> Iterator[bytes]:
    """A 20 MB PDF, made a chunk at a time (the test never holds it whole either)."""
    noise = random.Random(24)
    for n in range(LARGE_CHUNKS):
        chunk = noise.randbytes(CHUNK_BYTES)
        yield b"%PDF-1.7\n" + chunk[9:] if n == 0 else chunk


async def large_body() -> AsyncIterator[bytes]:
    for chunk in large_file():
        yield chunk


def large_sha256() -> str:
    digest = hashlib.sha256()
    for chunk in large_file():
        digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of Python's allocations (every thread) inside the block, in the list it yields."""
    tracemalloc.start()
    peak: list[int] = []
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
