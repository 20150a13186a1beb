"""Follow-ups and debrief notes from any OpenAI-compatible endpoint: OpenAI, Ollama, llama.cpp's server,
vLLM, LM Studio.

The one rule: this coach never stalls or breaks the interview. Every call runs in a daemon thread with a
hard wall-clock deadline (the SDK's own timeout only bounds each read, so a server that drips a token a
second would otherwise hold the interview forever), the SDK's retries are off (a retry would blow the
budget), and any failure or unusable output -- timeout, HTTP error, rate limit, refused connection, a
truncated or malformed reply, a question that fails ``llm_guard`` -- returns the scripted follow-up instead,
with the reason in ``origin`` and ``last_error``.

Each failure gets its own reason: "no reply within N s" (the server was reached but did not answer in
time), "cannot reach ..." (no connection at all), "broken reply from ..." (the server answered, but not with
a complete, well-formed HTTP reply), "HTTP 500 ...", "invalid reply ...". Replies are read with a cap, while
they stream: the content past ``reply_cap`` characters, and any response past ``MAX_REPLY_BYTES`` on the
wire, is not read. Debrief notes can be cancelled by the user (``NotesRequest.cancel``); when they fail,
``notes`` raises ``CoachError`` with the reason, so the debrief can say why it has none.

The API key is held only by the SDK client and this object; every message that leaves here (log lines,
``last_error``, returned text) is scrubbed of it first. Failures are logged at INFO, once each: what the
user sees is the session's notice, not a log line on stderr.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import httpx2
import openai

from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.errors import CoachError
from voicemock.llm_guard import (
    RESTATEMENT_OVERLAP,
    clean_follow_up,
    clean_note,
    follow_up_problem,
    keep_verbatim,
    overlap,
    strip_scores,
)
from voicemock.prompts import (
    FOLLOW_UP_SCHEMA,
    NOTES_SCHEMA,
    follow_up_messages,
    is_skeptical,
    notes_messages,
    parse_follow_up_reply,
    parse_notes_reply,
    response_format,
)
from voicemock.protocols import Coach, CoachNote, FollowUp, FollowUpRequest, NotesRequest

if TYPE_CHECKING:
    from voicemock.config import LLMSettings

log = logging.getLogger(__name__)

DUMMY_KEY = "not-needed"
"""Local servers (Ollama, llama.cpp, vLLM, LM Studio) accept any key; the SDK insists on one."""
GRACE = 0.3
"""Seconds past the configured timeout we wait for the worker before falling back (validation and the
scripted fallback fit in the remaining 0.2 s of the promised timeout + 0.5 s)."""
_FORMATS = ("json_schema", "json_object", "none")
MAX_REPLY_BYTES = 2_000_000
"""Bytes of one HTTP response read at most, on the wire (a streamed reply carries about 150 bytes of framing
per token). A server that sends more is cut off: a 5 MB reply once took 14 s and 50 MB of memory to read."""
CHARS_PER_TOKEN = 8
"""Generous: English runs about 4 characters a token. ``max_tokens`` times this bounds a reply's text."""
POLL = 0.1
"""Seconds between checks for a cancelled call while waiting for the worker."""


class ReplyTooLarge(Exception):
    """The server sent more than it was asked for; reading stopped."""


class _CappedStream(httpx2.SyncByteStream):
    """A response body that stops with ``ReplyTooLarge`` past ``limit`` bytes."""

    def __init__(self, inner: httpx2.SyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        total = 0
        for chunk in self._inner:
            total += len(chunk)
            if total > self._limit:
                raise ReplyTooLarge(f"reply larger than {self._limit // 1_000_000} MB")
            yield chunk

    def close(self) -> None:
        self._inner.close()


class _CappedTransport(httpx2.BaseTransport):
    """The SDK's HTTP transport, with every response body capped at ``limit`` bytes."""

    def __init__(self, limit: int) -> None:
        self._inner = httpx2.HTTPTransport()
        self._limit = limit

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        assert isinstance(response.stream, httpx2.SyncByteStream)
        return httpx2.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, self._limit),
            extensions=response.extensions,
            request=request,
        )

    def close(self) -> None:
        self._inner.close()


class _Fallback(Exception):
    """Internal: the reply cannot be used; ``reason`` says why (shown to the user, so keep it short)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class OpenAICoach:
    """A ``Coach`` backed by a chat-completions endpoint, with the scripted coach as its safety net."""

    def __init__(self, settings: LLMSettings, fallback: Coach | None = None, *, stream: bool = True) -> None:
        base_url = settings.resolved_base_url()
        key = settings.resolved_api_key()
        if key is None:
            if base_url is None:
                raise CoachError(
                    "the openai coach has no API key for api.openai.com",
                    fix="export OPENAI_API_KEY=..., or set llm.base_url to a local server "
                    "(e.g. http://localhost:11434/v1 for Ollama), or use llm.coach = 'scripted'",
                )
            key = DUMMY_KEY
        self._secret = key
        self.model = settings.model
        self.name = f"llm:{settings.model}"
        self.base_url = base_url
        self.timeout = float(settings.timeout)
        self.notes_timeout = float(getattr(settings, "notes_timeout", None) or max(30.0, 4 * self.timeout))
        """The debrief is not interactive, so notes may take longer than a follow-up."""
        self.notes_enabled = settings.notes
        self.remote = settings.is_remote()
        self.stream = stream
        self.fallback: Coach = fallback or ScriptedCoach()
        self.last_error: str | None = None
        """Why the last call fell back (scrubbed), or None after a call that worked."""
        self._format = 0
        """Index into _FORMATS: downgraded once a server rejects json_schema, and remembered."""
        self._client = openai.OpenAI(
            api_key=key,
            base_url=base_url,
            timeout=self.timeout,
            max_retries=0,
            http_client=openai.DefaultHttpxClient(transport=_CappedTransport(MAX_REPLY_BYTES)),
        )

    # -- public -------------------------------------------------------------------------------------------

    @property
    def privacy_notice(self) -> str | None:
        """What the UI/CLI must say before a session when answers leave this machine (None when local)."""
        where = self.destination
        if where is None:
            return None
        return f"Your answers' transcripts will be sent to {where} for follow-ups and notes."

    @property
    def destination(self) -> str | None:
        """Where requests go when they leave this machine, e.g. "api.openai.com (gpt-4o-mini)"; None if local."""
        if not self.remote:
            return None
        host = urlparse(self.base_url).hostname if self.base_url else "api.openai.com"
        return f"{host} ({self.model})"

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        """One follow-up from the model, or the scripted one if anything at all goes wrong."""
        started = time.monotonic()
        if request.remaining <= 0:
            return None
        if not request.missing and not is_skeptical(request.persona):
            return None  # nothing to probe, and this persona does not challenge claims: no call needed
        try:
            content = self._complete(
                follow_up_messages(request),
                "follow_up",
                FOLLOW_UP_SCHEMA,
                deadline=started + self.timeout + GRACE,
                max_tokens=200,
            )
            try:
                reply = parse_follow_up_reply(content)
            except ValueError as exc:
                raise _Fallback(f"invalid reply ({_short(str(exc))})") from None
            result = self._accept(reply.action, reply.signal, reply.question, request)
            self.last_error = None
            return result
        except _Fallback as exc:
            reason = exc.reason
        except Exception as exc:  # anything else is a bug, but still must not stop the interview
            reason = f"unexpected {type(exc).__name__}: {exc}"
        return self._fall_back(request, reason)

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        """Explanations and rewrites per answer; evidence not verbatim in that answer is dropped. Never
        scores. Raises ``CoachError`` saying why when there are no notes to give (a failure, a timeout, an
        unusable reply, or ``request.cancel``); the deterministic debrief stands on its own."""
        if not self.notes_enabled or not request.turns:
            return []
        try:
            content = self._complete(
                notes_messages(request),
                "debrief_notes",
                NOTES_SCHEMA,
                deadline=time.monotonic() + self.notes_timeout + GRACE,
                max_tokens=400 * len(request.turns) + 200,
                timeout=self.notes_timeout,
                cancel=request.cancel,
            )
            reply = parse_notes_reply(content)
        except ValueError as exc:
            raise CoachError(self._record(f"invalid reply ({_short(str(exc))})", "debrief notes")) from None
        except _Fallback as exc:
            raise CoachError(self._record(exc.reason, "debrief notes")) from None
        except Exception as exc:
            raise CoachError(self._record(f"{type(exc).__name__}: {exc}", "debrief notes")) from None
        self.last_error = None
        transcripts = {prompt.id: transcript for prompt, transcript in request.turns}
        out: list[CoachNote] = []
        for item in reply.notes:
            transcript = transcripts.get(item.prompt_id)
            if transcript is None:
                continue  # a note about an answer that does not exist
            explanation = clean_note(self._scrub(strip_scores(item.explanation)))[:800]
            rewrite = clean_note(self._scrub(strip_scores(item.rewrite)))[:800]
            if not explanation:
                continue
            text = explanation + (f" A stronger way to say it: {rewrite}" if rewrite else "")
            evidence = tuple(keep_verbatim(item.evidence, transcript.text))
            out.append(CoachNote(item.prompt_id, text, evidence, origin=self.name))
        if reply.notes and not out:
            raise CoachError(self._record("its reply held no usable notes", "debrief notes"))
        return out

    def write(
        self, messages: list[dict[str, str]], schema: dict[str, Any], *, timeout: float, max_tokens: int
    ) -> str:
        """One schema-shaped reply for work other than a follow-up (a tailored scenario), within ``timeout``
        seconds and with the same safeguards; raises ``CoachError`` with a short, key-free reason."""
        try:
            return self._complete(
                messages,
                "tailored_scenario",
                schema,
                deadline=time.monotonic() + timeout + GRACE,
                max_tokens=max_tokens,
                timeout=timeout,
            )
        except _Fallback as exc:
            raise CoachError(self._record(exc.reason)) from None
        except Exception as exc:  # anything else from a misbehaving server or a bug: still a clean fallback
            raise CoachError(self._record(f"{type(exc).__name__}: {exc}")) from None

    # -- internals ----------------------------------------------------------------------------------------

    def _accept(self, action: str, signal: str, question: str, request: FollowUpRequest) -> FollowUp | None:
        if action == "move_on":
            return None
        text = clean_follow_up(self._scrub(question), request.persona)
        problem = follow_up_problem(text, request.question.text, request.persona)
        if problem is None and any(
            overlap(text, earlier) >= RESTATEMENT_OVERLAP for earlier in request.asked
        ):
            problem = "repeats a follow-up already asked"
        if problem is not None:
            raise _Fallback(f"rejected reply ({problem})")
        ids = {ref.id for ref in request.question.signals}
        chosen: str | None
        if signal in ids:
            chosen = signal
        elif signal == "claim" and is_skeptical(request.persona):
            chosen = None  # a challenge to a claim, not a probe of a rubric signal
        else:
            chosen = request.missing[0] if request.missing else None
        return FollowUp(text=text, signal=chosen, origin=self.name)

    def _fall_back(self, request: FollowUpRequest, reason: str) -> FollowUp | None:
        reason = self._record(reason)
        scripted = self.fallback.follow_up(request)
        if scripted is None:
            return None
        return FollowUp(scripted.text, scripted.signal, f"scripted (fallback: {reason})")

    def _record(self, reason: str, what: str = "follow-up") -> str:
        reason = self._scrub(" ".join(reason.split()))[:240]
        self.last_error = reason
        # INFO, not WARNING: the session tells the user (once per reason); an unconfigured logging module
        # would otherwise print every failure again on stderr.
        log.info("%s %s failed: %s", self.name, what, reason)
        return reason

    def _scrub(self, text: str) -> str:
        """Remove the API key (and its tail, which some servers echo) from anything we show or log."""
        if len(self._secret) >= 8 and self._secret != DUMMY_KEY:
            text = text.replace(self._secret, "[redacted]").replace(self._secret[-8:], "[redacted]")
        return text

    def _complete(
        self,
        messages: list[dict[str, str]],
        name: str,
        schema: dict[str, Any],
        *,
        deadline: float,
        max_tokens: int,
        timeout: float | None = None,
        cancel: threading.Event | None = None,
    ) -> str:
        """The reply's text, or ``_Fallback``. Runs the request in a daemon thread and stops waiting at
        ``deadline`` or when ``cancel`` is set; the abandoned worker notices at its next chunk (or the SDK
        read timeout) and closes the stream, which tells the server to stop generating."""
        box: dict[str, Any] = {}
        done = threading.Event()
        stop = threading.Event()
        limit = timeout or self.timeout

        def work() -> None:
            try:
                box["content"] = self._request(messages, name, schema, max_tokens, limit, stop)
            except BaseException as exc:  # handed to the waiting thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name=f"voicemock-{name}", daemon=True).start()
        while not done.wait(max(0.0, min(POLL, deadline - time.monotonic()))):
            if cancel is not None and cancel.is_set():
                stop.set()
                raise _Fallback("skipped by the user")
            if time.monotonic() >= deadline:
                stop.set()
                raise _Fallback(f"no complete reply within {limit:g} s")
        if "error" in box:
            raise _Fallback(self._describe(box["error"], limit))
        return str(box["content"])

    def _request(
        self,
        messages: list[dict[str, str]],
        name: str,
        schema: dict[str, Any],
        max_tokens: int,
        timeout: float,
        cancel: threading.Event,
    ) -> str:
        """One chat completion, trying schema-constrained output first and downgrading (once per coach) when
        the server rejects it: json_schema -> json_object -> plain text parsed leniently."""
        while True:
            mode = _FORMATS[self._format]
            kwargs: dict[str, Any] = {
                "model": self.model,
                "messages": messages,
                "max_tokens": max_tokens,
                "temperature": 0.3,
                "timeout": timeout,
            }
            if mode == "json_schema":
                kwargs["response_format"] = response_format(name, schema)
            elif mode == "json_object":
                kwargs["response_format"] = {"type": "json_object"}
            cap = max_tokens * CHARS_PER_TOKEN + 2000
            try:
                return self._stream(kwargs, cancel, cap) if self.stream else self._plain(kwargs, cap)
            except openai.APIStatusError as exc:
                # 400 is the norm; llama-cpp-python's server answers an unknown response_format with a
                # 500 (or 422) validation error that names the field, so accept that too.
                rejected = exc.status_code == 400 or (
                    exc.status_code in {422, 500} and "response_format" in str(getattr(exc, "message", ""))
                )
                if not rejected or self._format + 1 >= len(_FORMATS) or cancel.is_set():
                    raise
                self._format += 1  # the server does not support this response_format: try the next one
                log.info(
                    "%s: server rejected response_format %s; trying %s",
                    self.name,
                    mode,
                    _FORMATS[self._format],
                )

    def _plain(self, kwargs: dict[str, Any], cap: int) -> str:
        response = self._client.chat.completions.create(**kwargs)
        if not response.choices:
            raise _Fallback("reply had no choices")
        choice = response.choices[0]
        if choice.finish_reason == "length":
            raise _Fallback("reply cut off at the token limit")
        content = choice.message.content or ""
        if len(content) > cap:
            raise _Fallback(f"reply longer than {cap:,} characters")
        return content

    def _stream(self, kwargs: dict[str, Any], cancel: threading.Event, cap: int) -> str:
        parts: list[str] = []
        size = 0
        finish: str | None = None
        stream = self._client.chat.completions.create(stream=True, **kwargs)
        try:
            for chunk in stream:
                if cancel.is_set():
                    raise _Fallback("cancelled after the deadline")
                for choice in chunk.choices:
                    if choice.delta and choice.delta.content:
                        parts.append(choice.delta.content)
                        size += len(choice.delta.content)
                    if choice.finish_reason:
                        finish = choice.finish_reason
                if size > cap:  # a model that ignores max_tokens: stop reading (closing stops the server)
                    raise _Fallback(f"reply longer than {cap:,} characters; stopped reading")
        finally:
            stream.close()
        if finish is None:
            raise _Fallback("stream ended before the reply was complete")
        if finish == "length":
            raise _Fallback("reply cut off at the token limit")
        return "".join(parts)

    def _describe(self, exc: BaseException, timeout: float) -> str:
        """A short, key-free reason for a failed request: timeout, unreachable, a broken reply, or the
        server's own error."""
        if isinstance(exc, _Fallback):
            return exc.reason
        where = self.base_url or "api.openai.com"
        cause = _transport_cause(exc)
        if isinstance(cause, ReplyTooLarge):
            return f"{cause}; stopped reading"
        if isinstance(cause, httpx2.ConnectTimeout | httpx2.ConnectError | httpx2.PoolTimeout):
            return f"cannot reach {where} ({type(cause).__name__})"
        if isinstance(exc, openai.APITimeoutError) or isinstance(cause, httpx2.TimeoutException):
            return f"no reply within {timeout:g} s"
        if isinstance(exc, openai.RateLimitError):
            return "rate limited (HTTP 429)"
        if isinstance(exc, openai.APIStatusError):
            detail = _short(re.sub(r"^Error code: \d+ - ", "", getattr(exc, "message", "") or ""))
            return f"HTTP {exc.status_code}" + (f": {detail}" if detail else "")
        if isinstance(exc, openai.APIConnectionError) or isinstance(cause, httpx2.TransportError):
            # Reached, but the reply broke: a reset connection, a reply cut short, not HTTP at all.
            kind = type(cause).__name__ if cause is not None else type(exc).__name__
            return f"broken reply from {where} ({kind})"
        if isinstance(exc, ValueError):
            return f"invalid reply ({_short(str(exc))})"
        return f"{type(exc).__name__}: {_short(str(exc))}"


def _transport_cause(exc: BaseException) -> BaseException | None:
    """The HTTP-level exception behind an SDK error (``ReplyTooLarge`` or an httpx2 error), if any."""
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ReplyTooLarge | httpx2.TransportError | httpx2.TimeoutException):
            return cur
        cur = cur.__cause__ or cur.__context__
    return None


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def probe_endpoint(settings: LLMSettings, timeout: float = 5.0) -> tuple[bool, str]:
    """Connection test for `voicemock doctor` and the settings screen: list models, never leak the key.

    Returns (ok, detail). The configured model missing from the list is reported but not fatal: some
    servers (llama.cpp) list only an alias.
    """
    try:
        coach = OpenAICoach(settings)
    except CoachError as exc:
        return False, exc.message
    client = coach._client.with_options(timeout=timeout, max_retries=0)
    try:
        models = [m.id for m in client.models.list()]
    except openai.AuthenticationError:
        return False, "the server rejected the API key (check OPENAI_API_KEY)"
    except openai.APIConnectionError as exc:
        return False, coach._scrub(f"cannot connect ({exc.__class__.__name__})")
    except openai.APIStatusError as exc:
        return False, coach._scrub(f"HTTP {exc.status_code} from the server")
    except Exception as exc:  # anything else from a misbehaving server
        return False, coach._scrub(f"{exc.__class__.__name__}: {exc}")[:200]
    if settings.model in models or not models:
        return True, f"reachable; model {settings.model} available"
    shown = ", ".join(models[:5])
    return True, f"reachable, but {settings.model!r} is not listed (server has: {shown})"
