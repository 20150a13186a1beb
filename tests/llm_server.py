"""A tiny OpenAI-compatible chat-completions server for tests: it records every request and can misbehave.

Stdlib only (``ThreadingHTTPServer``), bound to 127.0.0.1 on an ephemeral port, so the real ``openai``
client is exercised end to end over real HTTP without a model. ``mode`` picks the behaviour for the next
requests:

- ``ok``: a normal reply (``reply`` is the assistant's content), streamed as SSE when asked to stream;
- ``delay``: sleep ``delay`` seconds, then reply normally;
- ``500`` / ``429``: an error body (the 500 echoes the Authorization header, as some proxies do, to prove the
  client scrubs the key);
- ``malformed``: a 200 whose body (or SSE event) is not JSON;
- ``truncated``: a stream cut off halfway, no finish reason, no ``[DONE]``;
- ``reset``: the TCP connection is reset (RST) without a response;
- ``drip``: a stream that sends one small chunk every ``drip_interval`` seconds: each read is quick, the
  whole reply is slow;
- ``no_schema`` / ``no_schema_500``: a 400 (or, like llama-cpp-python's server, a 500) for a
  ``response_format`` of type ``json_schema``, else ``ok``;
- ``hang``: read the request and never answer (a hung server: only a timeout ends the wait);
- ``eof``: close the connection without a response (reached, but the reply is broken);
- ``garbage``: answer with bytes that are not HTTP at all;
- ``huge``: a reply of ``huge_chars`` characters (the JSON reply padded with spaces), ignoring max_tokens.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        """``/v1/models``, for connection tests (``probe_endpoint``)."""
        if self.path.rstrip("/").endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "test-model", "object": "model", "owned_by": "test"}]})
        else:
            self._json(404, {"error": {"message": "not found"}})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        owner = self.server.owner
        with owner.lock:
            owner.requests.append(
                {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
            )
            mode = owner.mode
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}"}})
            return
        stream = bool(body.get("stream"))
        if mode == "delay":
            time.sleep(owner.delay)
        if mode == "500":
            auth = self.headers.get("Authorization", "")
            self._json(500, {"error": {"message": f"internal error while handling {auth}", "type": "server"}})
            return
        if mode == "429":
            self._json(429, {"error": {"message": "rate limit reached", "type": "rate_limit"}})
            return
        if mode.startswith("no_schema") and (body.get("response_format") or {}).get("type") == "json_schema":
            # "no_schema": a plain 400; "no_schema_500": llama-cpp-python's server, a 500 naming the field
            status = 500 if mode == "no_schema_500" else 400
            self._json(
                status, {"error": {"message": "body.response_format.type: input should be 'json_object'"}}
            )
            return
        if mode == "hang":
            while not owner.stopping.wait(0.1):
                pass
            return
        if mode == "eof":
            self.close_connection = True
            return
        if mode == "garbage":
            self._write(b"HELLO THERE\r\nthis is not http\r\n\r\n")
            self.close_connection = True
            return
        if mode == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if mode == "malformed":
            if stream:
                self._sse_head()
                self._write(b'data: {"id": "x", "choices": [{"delta": {"content": "oops"\n\n')
                self._write(b"data: [DONE]\n\n")
            else:
                self._raw(200, b'{"id": "x", "choices": [ {"message": ')
            return
        content = owner.reply
        if mode == "huge":
            content = content + " " * max(0, owner.huge_chars - len(content))
        model = str(body.get("model", "test-model"))
        if not stream:
            data = json.dumps(_completion(model, content)).encode()
            if mode not in {"truncated", "drip"}:
                self._raw(200, data)
                return
            # A body shorter than its Content-Length (truncated) or trickled out a few bytes at a time (drip).
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if mode == "truncated":
                self._write(data[: len(data) // 2])
                self.close_connection = True
                return
            for i in range(0, len(data), 16):
                time.sleep(owner.drip_interval)
                if not self._write(data[i : i + 16]):
                    return
            return
        size = 4096 if mode == "huge" else 12
        pieces = [content[i : i + size] for i in range(0, len(content), size)] or [""]
        self._sse_head()
        if mode == "truncated":
            for piece in pieces[: max(1, len(pieces) // 2)]:
                self._write(_sse(_chunk(model, piece, None)))
            self.close_connection = True
            return
        for piece in pieces:
            if mode == "drip":
                time.sleep(owner.drip_interval)
            if not self._write(_sse(_chunk(model, piece, None))):
                return
        self._write(_sse(_chunk(model, "", "stop")))
        self._write(b"data: [DONE]\n\n")

    # -- helpers ------------------------------------------------------------------------------------------

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._raw(status, json.dumps(payload).encode())

    def _raw(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._write(data)

    def _sse_head(self) -> None:
        # HTTP/1.0 without Content-Length: the body ends when we close, like a real stream cut short.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.close_connection = True

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:  # the client gave up (e.g. the coach's deadline passed)
            return False


def _completion(model: str, content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
    }


def _chunk(model: str, content: str, finish: str | None) -> dict[str, Any]:
    delta: dict[str, Any] = {"content": content} if content else {}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload)}\n\n".encode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeLLMServer


class FakeLLMServer:
    """Start with ``with FakeLLMServer() as server:``; point the client at ``server.url``."""

    def __init__(self, reply: str = "", mode: str = "ok") -> None:
        self.reply = reply
        self.mode = mode
        self.delay = 5.0
        self.drip_interval = 0.2
        self.huge_chars = 5_000_000
        self.stopping = threading.Event()
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-llm", daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released), for refused-connection tests."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
