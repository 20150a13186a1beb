"""A fault-injecting OpenAI-compatible transcription server (``POST /v1/audio/transcriptions``) for tests.

Stdlib only, on 127.0.0.1. It records each request's multipart fields (not the audio) and answers per
``mode``:

- ``ok``: verbose_json with word timings (``text`` is what it "heard"; words are spread over 1 s each);
- ``no_words``: verbose_json without word timings (like a server that does not support them);
- ``text_only``: ``{"text": ...}`` only, as a server that ignores ``verbose_json`` answers;
- ``500`` / ``429``: an error body;
- ``malformed``: a 200 whose body is not JSON;
- ``hang``: read the request and never answer (only the client's timeout ends the wait);
- ``empty``: verbose_json with empty text (the server heard nothing).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_FIELD = re.compile(rb'name="([^"]+)"(?:; filename="([^"]*)")?\r\n(?:[^\r\n]+\r\n)*\r\n')


def multipart_fields(body: bytes) -> dict[str, list[str]]:
    """Form fields of a multipart body (file parts are recorded by their filename and size)."""
    fields: dict[str, list[str]] = {}
    for match in _FIELD.finditer(body):
        name = match.group(1).decode()
        start = match.end()
        end = body.find(b"\r\n--", start)
        value = body[start:end]
        shown = (
            f"{match.group(2).decode()} ({len(value)} bytes)"
            if match.group(2) is not None
            else value.decode()
        )
        fields.setdefault(name, []).append(shown)
    return fields


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with owner.lock:
            owner.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "fields": multipart_fields(body),
                    "at": time.monotonic(),
                }
            )
            mode = owner.mode
        if not self.path.rstrip("/").endswith("/audio/transcriptions"):
            self._reply(404, b'{"error": {"message": "no route"}}')
            return
        if mode == "hang":
            owner.stopping.wait(60)
            return
        if mode in {"500", "429"}:
            self._reply(int(mode), json.dumps({"error": {"message": f"error {mode}"}}).encode())
            return
        if mode == "malformed":
            self._reply(200, b'{"text": "half a repl')
            return
        text = "" if mode == "empty" else owner.text
        payload: dict[str, Any] = {"text": text}
        if mode != "text_only":
            payload.update({"task": "transcribe", "language": "english", "duration": owner.duration})
            if mode == "ok":
                payload["words"] = [
                    {"word": w, "start": float(i), "end": i + 0.8} for i, w in enumerate(text.split())
                ]
        self._reply(200, json.dumps(payload).encode())

    def _reply(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: FakeSTTServer


class FakeSTTServer:
    """``with FakeSTTServer("what it heard", mode="ok") as server:``; point the client at ``server.url``."""

    def __init__(self, text: str = "hello there", mode: str = "ok") -> None:
        self.text = text
        self.mode = mode
        self.duration = 3.0
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fake-stt", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> FakeSTTServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
