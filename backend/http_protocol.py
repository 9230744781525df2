"""uvicorn's HTTP protocol, answering a request it cannot parse (a request line with raw
non-ASCII, a broken header) in the API's error shape instead of plain text: a client gets
JSON with a stable code whether the refusal came from the parser or from the app."""

from __future__ import annotations

import orjson
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

MALFORMED = orjson.dumps(
    {
        "errors": [
            {
                "message": "请求格式无效：请求行或请求头不符合 HTTP 规范（地址中的中文等字符须先做百分号编码）",
                "extensions": {"code": "MALFORMED_REQUEST"},
            }
        ]
    }
)


class JsonRefusingProtocol(HttpToolsProtocol):
    def send_400_response(self, msg: str) -> None:
        head = [STATUS_LINE[400]]
        for name, value in self.server_state.default_headers:
            head += [name, b": ", value, b"\r\n"]
        head += [
            b"content-type: application/json\r\n",
            b"content-length: " + str(len(MALFORMED)).encode("ascii") + b"\r\n",
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + MALFORMED)
        self.transport.close()
