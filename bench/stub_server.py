"""One OpenAI-compatible stub server for many voicemock clients: chat completions (streamed, paced like a
hosted model) and audio transcriptions (verbose_json with word timings), with faults injected on a fixed
schedule. Stdlib only, on 127.0.0.1; used by bench/bench_load.py.

Clients are told apart by the model name they send (``client-N`` for chat, ``stt-N`` for transcription), so
the server can count each one's requests: a client that retried would show more requests than it had
answers and follow-ups. ``slots`` requests are generated at once, the rest queue (like a server's batch).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FOLLOW_UP = "Which one number would you put on the launch dashboard, and what would good look like?"
NOTES = {"notes": []}
HEARD = "We measured the approval rate and the chargeback rate for three weeks before launch."
_TOKEN = re.compile(r"\s*\S{1,4}")
_MODEL_FIELD = re.compile(rb'name="model"\r\n\r\n([^\r\n]*)')


@dataclass
class Stats:
    chat: Counter[str] = field(default_factory=Counter)
    stt: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)
    active: int = 0
    max_active: int = 0
    queued_max: float = 0.0
    """Longest any request waited for a slot, in seconds."""


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})

    def do_POST(self) -> None:
        owner = self.server.owner
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/").endswith("/audio/transcriptions"):
            match = _MODEL_FIELD.search(raw)
            client = match.group(1).decode() if match else "?"
            with owner.lock:
                owner.stats.stt[client] += 1
                n = sum(owner.stats.stt.values())
            fault = owner.stt_fault(n)
            with owner.slot():
                if fault:
                    with owner.lock:
                        owner.stats.faults[f"transcription {fault}"] += 1
                    self._json(int(fault), {"error": {"message": f"injected {fault}"}})
                    return
                time.sleep(owner.stt_seconds)
                words = [
                    {"word": w, "start": i * 0.4, "end": i * 0.4 + 0.3} for i, w in enumerate(HEARD.split())
                ]
                self._json(200, {"text": HEARD, "duration": 5.0, "language": "english", "words": words})
            return
        body = json.loads(raw)
        client = str(body.get("model"))
        with owner.lock:
            owner.stats.chat[client] += 1
            n = sum(owner.stats.chat.values())
        notes = bool(body.get("response_format"))
        fault = None if notes else owner.chat_fault(n)
        with owner.slot():
            if fault == "500":
                with owner.lock:
                    owner.stats.faults["chat 500"] += 1
                self._json(500, {"error": {"message": "injected 500"}})
                return
            if fault == "hang":
                with owner.lock:
                    owner.stats.faults["chat hang"] += 1
                owner.stopping.wait(owner.hang_seconds)  # holds a slot, like a stuck generation
                return
            reply = json.dumps(NOTES) if notes else FOLLOW_UP
            self._stream(reply, bool(body.get("stream")), owner)

    def _stream(self, reply: str, stream: bool, owner: StubServer) -> None:
        time.sleep(owner.first_token)
        if not stream:
            message = {"role": "assistant", "content": reply}
            self._json(200, {"choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        self.close_connection = True
        for i, piece in enumerate(_TOKEN.findall(reply)):
            if i:
                time.sleep(1 / owner.tokens_per_second)
            chunk = {"choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            if not self._write(f"data: {json.dumps(chunk)}\n\n".encode()):
                return  # the client left: stop generating
        self._write(
            f"data: {json.dumps({'choices': [{'index': 0, 'delta': {}, 'finish_reason': 'stop'}]})}\n\n".encode()
        )
        self._write(b"data: [DONE]\n\n")

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self._write(data)

    def _write(self, data: bytes) -> bool:
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: StubServer


class _Slot:
    def __init__(self, owner: StubServer) -> None:
        self.owner = owner

    def __enter__(self) -> None:
        queued = time.monotonic()
        self.owner.semaphore.acquire()
        with self.owner.lock:
            stats = self.owner.stats
            stats.queued_max = max(stats.queued_max, time.monotonic() - queued)
            stats.active += 1
            stats.max_active = max(stats.max_active, stats.active)

    def __exit__(self, *exc: object) -> None:
        with self.owner.lock:
            self.owner.stats.active -= 1
        self.owner.semaphore.release()


class StubServer:
    """``with StubServer(slots=4) as server:``. Every ``chat_fault_every``-th follow-up request fails (500 and
    a hang, alternately) and every ``stt_fault_every``-th transcription gets a 429 or a 500."""

    def __init__(
        self,
        slots: int = 4,
        first_token: float = 0.4,
        tokens_per_second: float = 50.0,
        stt_seconds: float = 0.3,
        chat_fault_every: int = 7,
        stt_fault_every: int = 9,
        hang_seconds: float = 30.0,
    ) -> None:
        self.first_token = first_token
        self.tokens_per_second = tokens_per_second
        self.stt_seconds = stt_seconds
        self.chat_fault_every = chat_fault_every
        self.stt_fault_every = stt_fault_every
        self.hang_seconds = hang_seconds
        self.stats = Stats()
        self.lock = threading.Lock()
        self.semaphore = threading.Semaphore(slots)
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="stub", daemon=True)

    def slot(self) -> _Slot:
        return _Slot(self)

    def chat_fault(self, n: int) -> str | None:
        if self.chat_fault_every and n % self.chat_fault_every == 0:
            return "500" if (n // self.chat_fault_every) % 2 else "hang"
        return None

    def stt_fault(self, n: int) -> str | None:
        if self.stt_fault_every and n % self.stt_fault_every == 0:
            return "429" if (n // self.stt_fault_every) % 2 else "500"
        return None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def __enter__(self) -> StubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
