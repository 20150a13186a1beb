"""Hands-free turn-taking: when has the candidate finished their answer?

``TurnTaker`` watches the answer's audio as it is recorded. A voice activity detector marks each 32 ms frame
as speech or not; after ``pause_onset`` of non-speech a *pause* begins, and the turn detector (Smart Turn)
is asked once whether the speech up to there sounds finished. Then:

- **complete**: the turn ends once the pause reaches ``complete_wait`` (short: the follow-up should come
  about a second after the candidate stops);
- **incomplete**: the candidate is thinking; the turn ends only after ``thinking_limit`` of silence
  (generous: being cut off mid-thought is the top complaint about voice interviewers);
- **held** ("let me think", or the hold key): no end until speech resumes, up to ``hold_limit``;
- speech that resumes simply continues the answer; the next pause is judged afresh.

The driver may require each end to be *cleared* (``clear``) by whoever transcribes the pause speculatively,
so that a pause whose words turn out to be "give me a second" is held instead of ended. An end that is not
cleared within ``clear_timeout`` goes ahead anyway, so a slow transcriber never traps the candidate.

Everything counts audio time (samples fed), never wall time, so the same audio always gives the same
decisions: the benchmark and the tests replay recordings faster than real time through this same code.
The thresholds were tuned on a labelled tuning set of Piper answers with inserted pauses (see
bench/bench_voice.py, ``--tune``) and are measured on a held-out set never tuned on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from voicemock import audio
from voicemock.models import SAMPLE_RATE

#: Phrases that hold the turn when a pause's words end with them (the candidate asks for time).
HOLD_PHRASES = re.compile(
    r"(let me (think|see|just think)|give me a (sec(ond)?|moment|minute)|one (sec(ond)?|moment)|"
    r"hold on|bear with me|just a (sec(ond)?|moment)|let me gather my thoughts|good question)"
    r"[\s.,!?…-]*$",
    re.IGNORECASE,
)


#: Words a finished sentence does not end with: a pause after them is a speaker searching for the next word.
DANGLING = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "or",
        "but",
        "so",
        "to",
        "of",
        "with",
        "for",
        "from",
        "in",
        "on",
        "at",
        "by",
        "as",
        "that",
        "which",
        "who",
        "whose",
        "because",
        "if",
        "than",
        "then",
        "my",
        "our",
        "your",
        "their",
        "his",
        "her",
        "its",
        "this",
        "these",
        "those",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "will",
        "would",
        "could",
        "should",
        "can",
        "i",
        "we",
        "they",
        "he",
        "she",
        "very",
        "into",
        "such",
    ]
)


def asks_for_time(text: str) -> bool:
    """True when ``text`` ends with a request for thinking time ("let me think", "one second", ...)."""
    tail = " ".join(text.split()[-8:])
    return bool(HOLD_PHRASES.search(tail))


def sounds_unfinished(text: str) -> bool:
    """True when the words so far stop mid-sentence: Whisper's trailing "..." or comma, no full stop, or a
    last word that cannot end a sentence ("we measured the"). Whisper punctuates from the audio, so this is a
    second, linguistic opinion next to the turn model's prosodic one."""
    stripped = text.strip().rstrip("\"'”’)")
    if not stripped:
        return False
    if stripped.endswith(("...", "…", ",", "-", "—", ";", ":")):
        return True
    if not stripped.endswith((".", "?", "!")):
        return True
    words = stripped.rstrip(".?!").split()
    return bool(words) and words[-1].lower().strip(",") in DANGLING


class VoiceActivity(Protocol):
    """Per-frame speech probabilities of a stream (``backends.vad``)."""

    frame_samples: int

    def probabilities(self, samples: audio.Samples) -> list[float]: ...


class CompletionModel(Protocol):
    """P(turn complete) for speech ending at the last sample (``protocols.TurnDetector``)."""

    def complete_probability(self, samples: audio.Samples) -> float: ...


@dataclass(frozen=True)
class TurnPolicy:
    """The thresholds of hands-free turn-taking (seconds of audio; probabilities in 0..1)."""

    vad_threshold: float = 0.5
    """A frame is speech at or above this VAD probability (and stays speech down to 0.15 below it)."""
    pause_onset: float = 0.2
    """Non-speech that makes a pause: the turn model is asked and the tail is transcribed then."""
    complete_threshold: float = 0.1
    """Turn-model probability at or above which the pause is "complete" when its words are checked too
    (the model then only vetoes: below 0.1 it is sure the voice is mid-thought)."""
    model_only_threshold: float = 0.5
    """The same threshold when there are no words to check (no streaming transcriber)."""
    complete_wait: float = 0.9
    """Silence that ends a turn the model called complete."""
    unsure_wait: float = 3.0
    """Silence that ends a turn the model called incomplete although its words end a sentence."""
    thinking_limit: float = 5.0
    """Silence that ends a turn whose words stop mid-sentence (the candidate is thinking), or that the model
    called incomplete when there are no words to check."""
    hold_limit: float = 60.0
    """A held pause ends the turn only after this much silence."""
    min_speech: float = 0.2
    """Speech needed before the answer counts as started (clicks and breaths are shorter)."""
    resume_speech: float = 0.1
    """Speech that ends a pause (shorter blips inside a pause are ignored)."""
    no_speech_limit: float = 20.0
    """With no speech at all, the answer ends (as "no speech") after this long."""
    clear_timeout: float = 8.0
    """An end waiting for ``clear`` goes ahead after this much more silence. Generous: the follow-up
    cannot start before the words are transcribed anyway, so waiting for them costs no time; this only
    guards against a transcriber that never answers."""


@dataclass(frozen=True)
class Pause:
    """A pause began: ``at`` is the sample just after the last speech frame."""

    index: int
    at: int
    probability: float | None
    """The turn model's P(complete), or None without a model."""
    complete: bool


@dataclass(frozen=True)
class TurnEnd:
    """The turn is over: ``reason`` is "complete", "thinking-limit", "hold-limit" or "no-speech"."""

    reason: str
    speech_end: int
    """Sample just after the last speech (0 when there was none)."""
    at: int
    """Sample at which the end was decided."""


@dataclass
class PauseRecord:
    """One pause of an answer, for the debrief: where it was, how long, and what was decided."""

    start: float
    seconds: float
    probability: float | None
    held: bool = False


class TurnTaker:
    """The hands-free end-of-turn policy over a stream of 16 kHz samples (see the module doc).

    ``push`` is called by the one thread that feeds audio; ``hold``, ``clear`` and ``release`` may be called
    from any thread. Callbacks run on the feeding thread and must be quick.
    """

    def __init__(
        self,
        policy: TurnPolicy,
        vad: VoiceActivity,
        model: CompletionModel | None = None,
        *,
        needs_clearance: bool = False,
        on_pause: Callable[[Pause], None] | None = None,
        on_resume: Callable[[Pause], None] | None = None,
    ) -> None:
        self.policy = policy
        self.vad = vad
        self.model = model
        self.needs_clearance = needs_clearance
        self.on_pause = on_pause
        self.on_resume = on_resume
        self._frame = vad.frame_samples
        self._window = np.zeros(8 * SAMPLE_RATE, dtype=np.float32)
        """The last 8 s of audio (what the turn model reads)."""
        self.total = 0
        self.speech_started = False
        self._speech_run = 0
        self._silence_run = 0
        self._in_speech = False
        self.speech_end = 0
        """Sample just after the last speech frame."""
        self.pause: Pause | None = None
        self._pause_count = 0
        self._lock = threading.Lock()
        self._held = False
        self._cleared: set[int] = set()
        self._unfinished: set[int] = set()
        self._finished: set[int] = set()
        self.pauses: list[PauseRecord] = []
        self.ended: TurnEnd | None = None
        self.model_seconds: list[float] = []
        """Wall time of each turn-model call (for benchmarks)."""

    # -- controls (any thread) ------------------------------------------------------------------------

    def hold(self) -> None:
        """Hold the turn: the current (or next) pause does not end the answer until speech resumes."""
        with self._lock:
            self._held = True

    @property
    def held(self) -> bool:
        return self._held

    def clear(self, pause_index: int) -> None:
        """The pause's words were checked (no request for time): its end may go ahead."""
        with self._lock:
            self._cleared.add(pause_index)

    def review(self, pause_index: int, text: str) -> str:
        """Judge the pause's words once they are transcribed: "hold" when the candidate asked for time,
        "unfinished" when they stop mid-sentence (the pause then waits the thinking limit), else "clear".
        Ignored when the pause is already over (speech resumed)."""
        if asks_for_time(text):
            verdict = "hold"
        elif sounds_unfinished(text):
            verdict = "unfinished"
        else:
            verdict = "clear"
        with self._lock:
            pause = self.pause
            if pause is None or pause.index != pause_index:
                return verdict
            if verdict == "hold":
                self._held = True
            elif verdict == "unfinished":
                self._unfinished.add(pause_index)
            else:
                self._finished.add(pause_index)
            self._cleared.add(pause_index)
        return verdict

    # -- feeding --------------------------------------------------------------------------------------

    def push(self, samples: audio.Samples) -> TurnEnd | None:
        """Feed 16 kHz samples; returns the end of the turn once it is decided (then keeps returning it)."""
        if self.ended is not None:
            return self.ended
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if len(samples) >= len(self._window):
            self._window = samples[-len(self._window) :].copy()
        elif len(samples):
            self._window = np.concatenate([self._window[len(samples) :], samples])
        self.total += len(samples)
        probs = self.vad.probabilities(samples)
        # frame k of this call ends at sample (self.total - rest) - (n - 1 - k) * frame
        rest = self.total % self._frame if self._frame else 0
        first_end = self.total - rest - (len(probs) - 1) * self._frame
        for k, prob in enumerate(probs):
            end = first_end + k * self._frame
            result = self._frame_decision(prob, end)
            if result is not None:
                self.ended = result
                return result
        return None

    def _frame_decision(self, prob: float, frame_end: int) -> TurnEnd | None:
        p = self.policy
        threshold = p.vad_threshold if not self._in_speech else max(0.05, p.vad_threshold - 0.15)
        fs = self._frame
        if prob >= threshold:
            self._speech_run += fs
            self._silence_run = 0
            self._in_speech = True
            needed = p.resume_speech if self.speech_started else p.min_speech
            if self._speech_run >= needed * SAMPLE_RATE:
                if not self.speech_started:
                    self.speech_started = True
                if self.pause is not None:
                    self._resume()
            if self.speech_started and self.pause is None:
                self.speech_end = frame_end
            return None
        self._in_speech = False
        self._speech_run = 0
        self._silence_run += fs
        if not self.speech_started:
            if frame_end >= p.no_speech_limit * SAMPLE_RATE:
                return TurnEnd("no-speech", 0, frame_end)
            return None
        silence = (frame_end - self.speech_end) / SAMPLE_RATE
        if self.pause is None:
            if silence >= p.pause_onset:
                self._start_pause(frame_end)
            return None
        return self._check_end(silence, frame_end)

    def _start_pause(self, frame_end: int) -> None:
        probability = None
        if self.model is not None:
            import time

            t0 = time.perf_counter()
            # the audio up to now: the speech and the pause onset (what Smart Turn was trained on)
            behind = self.total - frame_end
            window = self._window[: len(self._window) - behind] if behind > 0 else self._window
            probability = self.model.complete_probability(window)
            self.model_seconds.append(time.perf_counter() - t0)
        threshold = (
            self.policy.complete_threshold if self.needs_clearance else self.policy.model_only_threshold
        )
        complete = probability is None or probability >= threshold
        self._pause_count += 1
        self.pause = Pause(self._pause_count, self.speech_end, probability, complete)
        self.pauses.append(PauseRecord(self.speech_end / SAMPLE_RATE, 0.0, probability, self._held))
        if self.on_pause is not None:
            self.on_pause(self.pause)

    def _resume(self) -> None:
        pause = self.pause
        assert pause is not None
        record = self.pauses[-1]
        record.seconds = (self.total - self._speech_run - pause.at) / SAMPLE_RATE
        record.held = record.held or self._held
        self.pause = None
        with self._lock:
            self._held = False
        if self.on_resume is not None:
            self.on_resume(pause)

    def _check_end(self, silence: float, frame_end: int) -> TurnEnd | None:
        p = self.policy
        pause = self.pause
        assert pause is not None
        self.pauses[-1].seconds = silence
        with self._lock:
            held = self._held
            cleared = pause.index in self._cleared
            unfinished = pause.index in self._unfinished
            finished = pause.index in self._finished
        if held:
            self.pauses[-1].held = True
            if silence >= p.hold_limit:
                return TurnEnd("hold-limit", pause.at, frame_end)
            return None
        complete = pause.complete and not unfinished
        if complete:
            wait = p.complete_wait
        elif finished:  # the words end a sentence, the voice did not: give it a little longer
            wait = p.unsure_wait
        else:
            wait = p.thinking_limit
        if silence < wait:
            return None
        if self.needs_clearance and not cleared and silence < wait + p.clear_timeout:
            return None
        reason = "complete" if complete else ("unsure" if finished else "thinking-limit")
        return TurnEnd(reason, pause.at, frame_end)

    # -- reporting ------------------------------------------------------------------------------------

    def thinking_pauses(self, minimum: float = 3.0) -> list[PauseRecord]:
        """Pauses inside the answer (speech resumed after them) of at least ``minimum`` seconds."""
        inner = self.pauses[:-1] if self.ended is not None and self.pause is not None else self.pauses
        return [r for r in inner if r.seconds >= minimum]
