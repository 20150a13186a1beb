"""An optional in-process local model (llama.cpp, a GGUF file on the CPU) that personalises follow-ups.

Measured on a 2-core machine, small models (0.5B-1.5B) cannot be trusted to pick a gap or write a question
from scratch (docs/llm.md), so this coach gives one a narrow job: the deterministic rubric
and the scripted coach choose the gap and the authored follow-up, and the model only rephrases that
follow-up to mention the candidate's own example ("What metric would tell you the checkout fraud model
worked for shoppers?"). Output is grammar-constrained to one sentence ending in "?", then checked by
``llm_guard`` and for grounding (new words must come from the answer). Anything odd -- a slow model, an
invented detail, a restatement -- gives the authored follow-up unchanged, so this coach is never worse than
the scripted one on which gap it probes, only on time.

``llama_cpp`` is imported only here: ``pip install 'voicemock[local]'``.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.errors import CoachError
from voicemock.llm_guard import clean_follow_up, content_words, follow_up_problem, overlap
from voicemock.prompts import personalise_messages
from voicemock.protocols import Coach, CoachNote, FollowUp, FollowUpRequest, NotesRequest

if TYPE_CHECKING:
    from voicemock.config import LLMSettings

log = logging.getLogger(__name__)

GRAMMAR = r"""root ::= [A-Z] [^\n?"]* "?" """
"""One sentence ending with the only question mark. Hand-written: llama.cpp's JSON-schema grammar once let
raw newlines into strings and length bounds made it crawl (measured)."""
MAX_NEW_WORDS = 4
"""A personalised follow-up may add at most this many content words that are not in the answer."""
MIN_KEPT_INTENT = 0.3
"""Share of the authored follow-up's content words that must survive, so the question still probes the gap."""


class LocalCoach:
    """A ``Coach`` that runs a GGUF model in-process, behind the scripted coach."""

    def __init__(self, settings: LLMSettings, fallback: Coach | None = None, *, threads: int = 1) -> None:
        if not settings.local_model_path:
            raise CoachError(
                "llm.coach = 'local' needs a GGUF model file",
                fix="set llm.local_model_path (or VOICEMOCK_LLM__LOCAL_MODEL_PATH), or use llm.coach = 'scripted'",
            )
        path = Path(settings.local_model_path).expanduser()
        if not path.is_file():
            raise CoachError(f"local model not found: {path}", fix="check llm.local_model_path")
        try:
            import llama_cpp
        except ImportError:
            raise CoachError(
                "llm.coach = 'local' needs llama.cpp's Python bindings",
                fix="pip install 'voicemock[local]'",
            ) from None
        self._llama_cpp: Any = llama_cpp
        self.path = path
        self.name = f"local:{path.stem}"
        self.timeout = float(settings.timeout)
        self.threads = threads
        """1 thread measured stable; with 2 on 2 cores decoding sometimes collapsed (and Whisper needs one)."""
        self.fallback: Coach = fallback or ScriptedCoach()
        self.last_error: str | None = None
        self._llm: Any = None
        self._grammar: Any = None
        self._load_error: str | None = None
        self._loaded = threading.Event()
        self._busy = threading.Lock()
        """llama.cpp contexts are not thread-safe: one generation at a time."""
        # Load in the background so building the backends stays quick; the first follow-up waits for it
        # within its own deadline.
        threading.Thread(target=self._load, name="voicemock-local-llm", daemon=True).start()

    def _load(self) -> None:
        try:
            self._llm = self._llama_cpp.Llama(
                model_path=str(self.path), n_ctx=1024, n_threads=self.threads, verbose=False
            )
            self._grammar = self._llama_cpp.LlamaGrammar.from_string(GRAMMAR, verbose=False)
        except Exception as exc:  # a broken file must not stop the interview either
            self._load_error = f"cannot load {self.path.name}: {exc}"
        finally:
            self._loaded.set()

    def wait_loaded(self, timeout: float | None = None) -> bool:
        """Block until the model is loaded (or failed to); True when it is usable."""
        self._loaded.wait(timeout)
        return self._llm is not None

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        """The authored follow-up for the top missing signal, personalised by the model when that is safe."""
        deadline = time.monotonic() + self.timeout
        scripted = self.fallback.follow_up(request)
        if scripted is None:
            return None
        try:
            text = self._personalise(request, scripted.text, deadline)
        except _Unusable as exc:
            self.last_error = exc.reason
            log.info("%s: kept the authored follow-up: %s", self.name, exc.reason)
            return FollowUp(scripted.text, scripted.signal, f"scripted (fallback: {exc.reason})")
        self.last_error = None
        return FollowUp(text, scripted.signal, self.name)

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        """None: small local models wrote unreliable notes (measured), and the rubric's notes stand alone."""
        return []

    # -- internals ----------------------------------------------------------------------------------------

    def _personalise(self, request: FollowUpRequest, authored: str, deadline: float) -> str:
        if not self._loaded.wait(max(0.0, deadline - time.monotonic())):
            raise _Unusable("model still loading")
        if self._llm is None:
            raise _Unusable(self._load_error or "model failed to load")
        box: dict[str, Any] = {}
        done = threading.Event()
        cancel = threading.Event()

        def work() -> None:
            try:
                box["text"] = self._generate(personalise_messages(request, authored), cancel)
            except BaseException as exc:
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="voicemock-local-follow-up", daemon=True).start()
        if not done.wait(max(0.0, deadline - time.monotonic())):
            cancel.set()
            raise _Unusable(f"no reply within {self.timeout:g} s")
        if "error" in box:
            raise _Unusable(f"model error: {box['error']}")
        return self._check(str(box["text"]), authored, request)

    def _generate(self, messages: list[dict[str, str]], cancel: threading.Event) -> str:
        if not self._busy.acquire(timeout=self.timeout):
            raise _Unusable("model busy with an earlier follow-up")
        try:
            parts: list[str] = []
            for chunk in self._llm.create_chat_completion(
                messages=messages,
                grammar=self._grammar,
                max_tokens=48,
                temperature=0.2,
                stream=True,
            ):
                if cancel.is_set():
                    break  # the caller has given up: free the model for the next follow-up
                delta = chunk["choices"][0].get("delta", {})
                parts.append(delta.get("content") or "")
            return "".join(parts)
        finally:
            self._busy.release()

    @staticmethod
    def _check(raw: str, authored: str, request: FollowUpRequest) -> str:
        text = clean_follow_up(raw, request.persona)
        problem = follow_up_problem(text, request.question.text, request.persona)
        if problem:
            raise _Unusable(f"rejected ({problem})")
        if content_words(text) == content_words(authored):
            raise _Unusable("unchanged")
        if overlap(authored, text) < MIN_KEPT_INTENT:
            raise _Unusable("drifted from the authored follow-up")
        invented = content_words(text) - content_words(authored) - content_words(request.answer.text)
        if len(invented) > MAX_NEW_WORDS:
            raise _Unusable("added details the answer did not contain")
        if not (content_words(text) - content_words(authored)) & content_words(request.answer.text):
            raise _Unusable("did not use the answer")
        return text


class _Unusable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
