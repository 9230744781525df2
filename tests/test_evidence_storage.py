"""Evidence storage: files never held in memory whole on their way in or out."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.id_numbers import in_stream, is_id_number

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
