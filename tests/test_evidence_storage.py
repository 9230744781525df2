"""Evidence storage, local or S3 (XUNCHA_EVIDENCE_URL): any API host serves what another took
in, and a file is never held in memory whole on its way in or out."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.evidence.location import S3Location, parse_evidence_url
from backend.id_numbers import in_stream, is_id_number
from backend.runtime import open_runtime
from backend.settings import Settings
from tests.evidence_stores import LARGE, both_stores, large_body, large_sha256, peak_memory
from tests.helpers import PDF
from tests.identity import Api

ID_NUMBERS = [b"431321199001011239", b"11010519491231002X", b"431321199001011238"]  # the last one's check digit is wrong
PIECES = st.one_of(st.sampled_from(ID_NUMBERS), st.text("0123456789", max_size=25).map(str.encode), st.binary(max_size=3))


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(pieces=st.lists(PIECES, max_size=8), chunk_bytes=st.integers(1, 40))
def test_the_id_number_scan_reads_a_stream_in_chunks_and_finds_what_a_whole_read_finds(pieces, chunk_bytes):
    """Uploads are scanned a chunk at a time: a number cut by a chunk's edge is still found, and
    a longer run of digits is still not one."""
    content = b"".join(pieces)
    whole = any(is_id_number(run.decode()) for run in _runs(content))
    assert in_stream(io.BytesIO(content), chunk_bytes) == whole


def _runs(content: bytes) -> list[bytes]:
    """The 18-character candidates: runs of 17 digits and a digit or X, not inside a longer run."""
    runs, start = [], 0
    while start < len(content):
        end = start
        while end < len(content) and content[end : end + 1].isdigit():
            end += 1
        if end - start == 17 and content[end : end + 1] in (b"X", b"x") and not content[end + 1 : end + 2].isdigit():
            runs.append(content[start : end + 1])
        elif end - start == 18:
            runs.append(content[start:end])
        start = max(end, start + 1)
    return runs


@both_stores
async def test_a_second_api_host_serves_a_file_the_first_took_in(ledger_office, tmp_path, evidence_url):
    """Two API hosts share the database and XUNCHA_EVIDENCE_URL, each with its own data
    directory: with S3 either serves what the other took in; with local directories the
    second finds nothing, and says so."""
    first = ledger_office.runtime
    elsewhere = dataclasses.replace(first.settings, data_dir=tmp_path / "second-host")
    async with open_runtime(elsewhere, first.urls, first.clock) as second, Api(first) as on_first, Api(second) as on_second:
        sha = (await ledger_office.upload(on_first, "liaison", PDF)).json()["sha256"]
        download = await on_second.client.get(f"/evidence/431321/{sha}", headers=bearer(ledger_office, "reviewer"))
    if evidence_url:
        assert (download.status_code, download.content) == (200, PDF)
    else:
        assert (download.status_code, download.json()["errors"][0]["extensions"]["code"]) == (500, "EVIDENCE_MISSING")


@both_stores
async def test_a_20_mb_file_is_never_held_in_memory_whole_on_its_way_in_or_out(ledger_office):
    """Peak Python memory while a 20 MB upload goes through the API (checks, store) and while
    the download streams out through the app stays a small part of the file's size."""
    expected = large_sha256()
    async with Api(ledger_office.runtime) as api:
        await ledger_office.upload(api, "liaison", PDF)  # the process's first upload loads the S3 client's service models
        with peak_memory() as upload_peak:
            uploaded = await api.client.post(
                "/evidence/431321", params={"name": "大文件.pdf"}, content=large_body(), headers=bearer(ledger_office, "liaison")
            )
        assert uploaded.status_code == 201, uploaded.text
        assert uploaded.json()["sha256"] == expected
        with peak_memory() as download_peak:
            status, digest, size = await download_through(api, f"/evidence/431321/{expected}", bearer(ledger_office, "reviewer"))
    assert (status, digest, size) == (200, expected, LARGE)
    assert upload_peak[0] < LARGE / 3 and download_peak[0] < LARGE / 3, (upload_peak, download_peak)


def bearer(office, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {office.tokens[who]}"}


async def download_through(api: Api, path: str, headers: dict[str, str]) -> tuple[int, str, int]:
    """GET through the app as a server would, hashing the body as it comes (httpx's in-process
    transport would gather it whole): the status, the body's SHA-256 and size."""
    app = api.client._transport.app  # the app Api built
    digest, answer, done = hashlib.sha256(), {"size": 0}, asyncio.Event()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"test"), *((name.lower().encode(), value.encode()) for name, value in headers.items())],
        "client": ("127.0.0.1", 50000),
        "server": ("test", 80),
    }
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        else:
            digest.update(message.get("body", b""))
            answer["size"] += len(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    await app(scope, receive, send)
    return answer["status"], digest.hexdigest(), answer["size"]


@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("", None),
        ("file:///srv/xuncha/evidence", Path("/srv/xuncha/evidence")),
        ("s3://xuncha-evidence", S3Location("xuncha-evidence", "", None, None)),
        (
            "s3://xuncha-evidence/hunan/prod/?endpoint=http://10.0.0.5:9000&region=cn-central-1",
            S3Location("xuncha-evidence", "hunan/prod", "http://10.0.0.5:9000", "cn-central-1"),
        ),
    ],
)
def test_the_evidence_url_names_a_directory_or_a_bucket(url, where):
    assert parse_evidence_url(url) == where


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/srv/xuncha/evidence", "file://"),
        ("file://evidence", "绝对路径"),
        ("s3://AKIA:secret@xuncha-evidence", "AWS_ACCESS_KEY_ID"),
        ("s3://Evidence_Bucket", "存储桶名"),
        ("s3://xuncha-evidence?endpont=http://10.0.0.5:9000", "'endpont'"),
        ("s3://xuncha-evidence?endpoint=10.0.0.5:9000", "endpoint"),
    ],
)
def test_a_wrong_evidence_url_stops_the_start(url, message, monkeypatch):
    monkeypatch.setenv("XUNCHA_EVIDENCE_URL", url)
    with pytest.raises(SystemExit) as refused:
        Settings.from_env()
    assert message in str(refused.value)
