"""A streaming chat-completions server paced like a real model, for tests and benchmarks.

Stdlib only, on 127.0.0.1. Each reply is sent as SSE chunks of about one token (a word or a piece of one),
the first after ``first_token`` seconds (prompt processing) and then ``tokens_per_second``. Like llama.cpp's
server it has one slot: a request waits while another is being generated, so a request the client abandoned
but the server kept generating would delay the next one. It notices a client that leaves (the socket reads
end-of-file) between tokens, stops generating at once and records it in ``disconnects``.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_TOKEN = re.compile(r"\s*\S{1,4}")


def tokens(text: str) -> list[str]:
    """``text`` cut into pieces of about a token each (4 characters or fewer, with their leading space)."""
    return _TOKEN.findall(text)


@dataclass
class Served:
    """One request as the server saw it."""

    started: float
    headers_sent: float | None = None
    ended: float | None = None
    tokens_sent: int = 0
    disconnected: bool = False
    waited: float = 0.0
    """Seconds it queued for the slot behind another request."""
    body: dict[str, Any] | None = None


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        data = json.dumps({"object": "list", "data": [{"id": "paced", "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        owner = self.server.owner
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        served = Served(started=time.monotonic(), body=body)
        with owner.lock:
            owner.served.append(served)
        queued = time.monotonic()
        with owner.slot:  # one generation at a time, like llama.cpp's server with one slot
            served.waited = time.monotonic() - queued
            with owner.lock:
                owner.active += 1
                owner.max_active = max(owner.max_active, owner.active)
            try:
                self._generate(owner, served, body)
            finally:
                served.ended = time.monotonic()
                with owner.lock:
                    owner.active -= 1

    def _generate(self, owner: PacedLLMServer, served: Served, body: dict[str, Any]) -> None:
        pieces = tokens(owner.reply_for(body))
        # prompt processing: the headers are sent with the first token, as llama-cpp-python's server does
        if self._left(owner.first_token):
            served.disconnected = True
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        served.headers_sent = time.monotonic()
        gap = 1.0 / owner.tokens_per_second
        for i, piece in enumerate(pieces):
            if i and self._left(gap):
                served.disconnected = True
                return
            if not self._send(
                {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            ):
                served.disconnected = True
                return
            served.tokens_sent += 1
        self._send({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
        self._write(b"data: [DONE]\n\n")

    def _left(self, seconds: float) -> bool:
        """Wait ``seconds``; True as soon as the client has closed its end of the connection."""
        end = time.monotonic() + seconds
        while True:
            remaining = end - time.monotonic()
            readable, _, _ = select.select([self.connection], [], [], max(0.0, min(remaining, 0.02)))
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
            if remaining <= 0:
                return False

    def _send(self, payload: dict[str, Any]) -> bool:
        payload = {"id": "chatcmpl-paced", "object": "chat.completion.chunk", "model": "paced", **payload}
        return self._write(f"data: {json.dumps(payload)}\n\n".encode())

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: PacedLLMServer


class PacedLLMServer:
    """``with PacedLLMServer(reply, first_token=0.4, tokens_per_second=50) as server:``."""

    def __init__(self, reply: str, first_token: float = 0.4, tokens_per_second: float = 50.0) -> None:
        self.reply = reply
        self.notes_reply = json.dumps({"notes": []})
        self.first_token = first_token
        self.tokens_per_second = tokens_per_second
        self.served: list[Served] = []
        self.lock = threading.Lock()
        self.slot = threading.Lock()
        self.active = 0
        self.max_active = 0
        """Most requests ever generated at once (1 with the single slot; more would mean a bug here)."""
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="paced-llm", daemon=True)

    def reply_for(self, body: dict[str, Any]) -> str:
        """The follow-up reply, or the notes reply for a request asking for structured output."""
        return self.notes_reply if body.get("response_format") else self.reply

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> PacedLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
