"""A rehearsal: the engine, the backends and the session directory, stepped together.

Both the headless CLI and the TUI drive interviews through ``Rehearsal``: the CLI calls ``run()``; the TUI
calls the same blocking steps (``speak``, ``capture``, ``transcribe``, ``settle``) from thread workers.
Ordering is what makes "nothing is lost" true: the journal records each prompt before it is asked, answer
audio is on disk and journalled before transcription starts, and each settled answer is journalled before
the coach (which may call a network) runs.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock import debrief as debrief_mod
from voicemock.backends import Backends
from voicemock.errors import (
    AudioError,
    NoAnswerAvailable,
    NoSpeechError,
    TranscriberError,
    UserCommand,
    VoicemockError,
)
from voicemock.interview import Interview
from voicemock.models import Prompt, RecordedAnswer, Transcript
from voicemock.protocols import NotesRequest
from voicemock.rubric import shipped_judge
from voicemock.scenario import Scenario, ScenarioSet, load_scenario, scenario_toml
from voicemock.store import SessionDir, SessionStore, write_atomic

TAILORED_SCENARIO = "scenario.toml"
"""A tailored session's own copy of its scenario (questions quoting the CV or job description)."""


@dataclass(frozen=True)
class Event:
    """Something the user should see: a phase change, a notice, a spoken prompt, a transcript."""

    kind: str
    """"phase", "notice", "prompt", "answer", "ended"."""
    text: str = ""
    data: dict[str, Any] | None = None


Listener = Callable[[Event], None]


@dataclass(frozen=True)
class Outcome:
    """The result of one answer attempt: the transcript (None if nothing usable) and why not."""

    transcript: Transcript | None
    status: str
    """"answered", "no_speech", "unavailable"."""
    reason: str = ""


class Rehearsal:
    """One interview session in progress."""

    def __init__(
        self,
        scenario: Scenario,
        backends: Backends,
        session: SessionDir,
        interview: Interview,
        listener: Listener | None = None,
    ) -> None:
        self.scenario = scenario
        self.backends = backends
        self.session = session
        self.interview = interview
        self.listener = listener or (lambda event: None)
        self._journalled: set[str] = set()
        self._said_no_playback = False
        self._loader: threading.Thread | None = None
        self._fallback_reasons: set[str] = set()

    # -- construction -------------------------------------------------------------------------------------

    @classmethod
    def begin(
        cls,
        scenario: Scenario,
        backends: Backends,
        store: SessionStore,
        listener: Listener | None = None,
        *,
        reask_on_silence: bool = True,
        tailoring: str | None = None,
    ) -> Rehearsal:
        """Create a new session directory and journal the start (with honest labels for every input).

        ``tailoring`` describes how ``scenario`` was tailored to the candidate's CV and job description;
        the tailored scenario is then kept in the session directory, so resuming asks the same questions.
        """
        inputs = backends.labels() | ({"tailoring": tailoring} if tailoring else {})
        session = store.create(
            scenario.id,
            title=scenario.title,
            scenario_source=scenario.source,
            inputs=inputs,
        )
        if tailoring:
            write_atomic(session.path / TAILORED_SCENARIO, scenario_toml(scenario))
        interview = Interview(
            scenario, backends.coach, backends.fallback_coach, reask_on_silence=reask_on_silence
        )
        interview.start()
        rehearsal = cls(scenario, backends, session, interview, listener)
        rehearsal.preload()
        for notice in backends.notices:
            rehearsal.notice(notice)
        return rehearsal

    @classmethod
    def resume(
        cls,
        session: SessionDir,
        scenarios: ScenarioSet,
        backends: Backends,
        listener: Listener | None = None,
        *,
        reask_on_silence: bool = True,
    ) -> Rehearsal:
        """Pick up an unfinished session where it stopped; an answer recorded but not transcribed is kept."""
        started = session.started
        if not started:
            raise VoicemockError(f"{session.path} has no readable journal")
        if session.finished:
            raise VoicemockError(
                f"session {session.id} is already finished", fix=f"voicemock show {session.id}"
            )
        scenario_id = started.get("scenario", "")
        source = started.get("scenario_source")
        tailored = session.path / TAILORED_SCENARIO
        try:
            # A tailored session asks the questions it was tailored with, kept in its directory.
            scenario = load_scenario(tailored) if tailored.is_file() else scenarios.get(scenario_id)
        except VoicemockError:
            if source and Path(source).is_file():
                scenario = load_scenario(Path(source))
            else:
                raise
        turns, pending, recorded, ended = session.state()
        interview = Interview.resume(
            scenario,
            backends.coach,
            turns,
            pending,
            backends.fallback_coach,
            reask_on_silence=reask_on_silence,
        )
        if ended:
            interview.ended = ended
            interview.current = None
        rehearsal = cls(scenario, backends, session, interview, listener)
        rehearsal._journalled = {t.prompt.id for t in turns} | ({pending.id} if pending else set())
        session.append("resumed", inputs=backends.labels())
        rehearsal.preload()
        if pending is not None and pending.id in recorded:
            rec = recorded[pending.id]
            audio = session.abs(rec.get("audio"))
            answer = RecordedAnswer(
                source=rec.get("source", "?"), audio_path=str(audio) if audio else None, text=rec.get("text")
            )
            rehearsal.notice(
                f"Recovered your recorded answer to \u201c{pending.text[:60]}\u201d; transcribing it now."
            )
            rehearsal.settle(pending, answer, rehearsal.transcribe(pending, answer))
        return rehearsal

    # -- helpers ------------------------------------------------------------------------------------------

    def notice(self, text: str) -> None:
        self.session.append("notice", text=text)
        self.listener(Event("notice", text))

    def phase(self, name: str, text: str = "") -> None:
        self.listener(Event("phase", name, {"detail": text}))

    def preload(self) -> None:
        """Load the speech-to-text model and the rubric's sentence model in the background while the first
        question is spoken."""
        if self._loader is not None:
            return
        load = getattr(self.backends.transcriber, "load", None)

        def run() -> None:
            if load is not None:
                with contextlib.suppress(VoicemockError):  # reported when an answer is transcribed
                    load()
            # About 0.4 s; otherwise paid when the coach first judges an answer.
            with contextlib.suppress(Exception):  # a broken model shows in the debrief label and doctor
                shipped_judge()

        self._loader = threading.Thread(target=run, name="model-load", daemon=True)
        self._loader.start()

    @property
    def current(self) -> Prompt | None:
        """The prompt waiting for an answer (journalled when first seen)."""
        prompt = self.interview.current
        if prompt is not None and prompt.id not in self._journalled:
            self._journalled.add(prompt.id)
            self.session.append("prompt", prompt=prompt.to_dict())
        return prompt

    # -- the steps ----------------------------------------------------------------------------------------

    def render(self, prompt: Prompt) -> Path | None:
        """Render the persona's words to the session's WAV (kept even when nothing can play it)."""
        if self.backends.speaker is None:
            return None
        dest = self.session.audio_path(prompt.id, "question")
        if dest.is_file():
            return dest
        try:
            self.backends.speaker.synthesize(prompt.text, self.scenario.persona.voice, dest)
        except VoicemockError as exc:
            self.notice(f"Could not speak the question: {exc.message}")
            return None
        self.session.append("question_audio", prompt_id=prompt.id, audio=self.session.rel(dest))
        return dest

    def speak(self, prompt: Prompt) -> Path | None:
        """Render and play the prompt (blocking until played or ``stop_speaking``)."""
        self.phase("speaking", prompt.text)
        wav = self.render(prompt)
        if wav is None:
            return None
        player = self.backends.player
        if not player.available:
            if not self._said_no_playback:
                self._said_no_playback = True
                self.notice(
                    f"Not playing speech: {player.reason}. Questions are shown as text and saved as audio."
                )
            return wav
        try:
            player.play(wav)
        except VoicemockError as exc:
            self.notice(f"Playback failed: {exc.message}")
        return wav

    def stop_speaking(self) -> None:
        """Barge-in: stop the persona mid-sentence (safe from any thread)."""
        self.backends.player.stop()

    def capture(self, prompt: Prompt, recorded: RecordedAnswer | None = None) -> RecordedAnswer | None:
        """Get the answer (from the recorder, or ``recorded`` when the UI already has typed text).

        Returns None when there is no answer to be had (the prompt is then settled as unavailable).
        """
        if recorded is None:
            self.phase("listening")
            dest = self.session.audio_path(prompt.id, "answer")
            try:
                recorded = self.backends.recorder.record(prompt, dest)
            except NoAnswerAvailable as exc:
                self.settle_unavailable(prompt, exc.message)
                return None
            except AudioError as exc:
                if self._is_live(self.backends.recorder):
                    # A microphone that fails is replaced by typed answers; the same prompt stays open.
                    from voicemock.backends.typed import TypedRecorder

                    self.backends.recorder = TypedRecorder()
                    self.session.append("recorder_changed", reason=exc.message, recorder="typed answers")
                    self.notice(
                        f"Microphone problem: {exc}. Switching to typed answers; your session continues."
                    )
                    return None
                self.notice(f"Could not get your answer: {exc}")
                self.settle_unavailable(prompt, exc.message)
                return None
        self.session.append(
            "answer_recorded",
            prompt_id=prompt.id,
            source=recorded.source,
            audio=self.session.rel(recorded.audio_path),
            text=recorded.text,
            ended_by=recorded.ended_by,
            notes=list(recorded.notes),
        )
        for note in recorded.notes:
            self.notice(note)
        return recorded

    @staticmethod
    def _is_live(recorder: object) -> bool:
        """A live input (the microphone) can be swapped for typed answers when it fails."""
        return callable(getattr(recorder, "finish", None))

    def transcribe(self, prompt: Prompt, recorded: RecordedAnswer) -> Outcome:
        """Turn the recorded answer into text; silence and broken audio become outcomes, not exceptions."""
        if recorded.text is not None and recorded.audio_path is None:
            text = recorded.text.strip()
            if not text:
                return Outcome(None, "no_speech", "empty answer")
            source = "text-file" if recorded.source.startswith("text file") else "typed"
            transcript = Transcript(text=text, source=source, notes=recorded.notes)
        else:
            self.phase("transcribing")
            assert recorded.audio_path is not None
            try:
                transcript = self.backends.transcriber.transcribe(Path(recorded.audio_path))
            except NoSpeechError as exc:
                return Outcome(None, "no_speech", exc.message)
            except (AudioError, TranscriberError) as exc:
                self.notice(
                    f"Could not transcribe the answer: {exc}. The audio is kept at {recorded.audio_path}."
                )
                return Outcome(None, "unavailable", exc.message)
            if recorded.notes:
                transcript = Transcript(
                    transcript.text,
                    transcript.words,
                    transcript.duration,
                    transcript.source,
                    transcript.notes + recorded.notes,
                )
        self.session.save_transcript(prompt.id, transcript)
        return Outcome(transcript, "answered")

    def settle(self, prompt: Prompt, recorded: RecordedAnswer | None, outcome: Outcome) -> Prompt | None:
        """Journal the answer, then let the engine (and coach) decide what comes next."""
        audio = self.session.rel(recorded.audio_path) if recorded else None
        source = recorded.source if recorded else None
        self.session.append(
            "answer",
            prompt_id=prompt.id,
            status=outcome.status,
            transcript=outcome.transcript.to_dict() if outcome.transcript else None,
            source=source,
            audio=audio,
            notes=[outcome.reason] if outcome.reason else [],
        )
        if outcome.transcript is not None:
            self.listener(
                Event("answer", outcome.transcript.text, {"prompt_id": prompt.id, "source": source})
            )
            self.phase("thinking")
            before = len(self.interview.notices)
            nxt = self.interview.answer(outcome.transcript, source or "", audio)
            for notice in self.interview.notices[before:]:
                self.notice(notice)
            self._fallback_notice(nxt)
        elif outcome.status == "no_speech":
            self.listener(Event("notice", "I didn't catch that."))
            nxt = self.interview.no_speech(source or "", audio, outcome.reason)
        else:
            nxt = self.interview.unavailable(outcome.reason or "no answer")
        self._finalise_turn_audio(prompt)
        if nxt is None:
            self.session.append("ended", reason=self.interview.ended)
        return self.current

    def _fallback_notice(self, prompt: Prompt | None) -> None:
        """Say (once per distinct reason) when an LLM coach fell back to the scripted follow-up."""
        if prompt is None or not prompt.origin.startswith("scripted (fallback"):
            return
        reason = getattr(self.backends.coach, "last_error", None) or prompt.origin
        if reason not in self._fallback_reasons:
            self._fallback_reasons.add(reason)
            self.notice(
                f"The {self.backends.coach.name} coach did not answer in time or well ({reason}); "
                "asked the scripted follow-up instead."
            )

    def settle_unavailable(self, prompt: Prompt, reason: str) -> Prompt | None:
        self.session.append(
            "answer", prompt_id=prompt.id, status="unavailable", transcript=None, notes=[reason]
        )
        self.listener(Event("notice", reason))
        nxt = self.interview.unavailable(reason)
        if nxt is None:
            self.session.append("ended", reason=self.interview.ended)
        return self.current

    def _finalise_turn_audio(self, prompt: Prompt) -> None:
        wav = self.session.audio_path(prompt.id, "question")
        for turn in reversed(self.interview.turns):
            if turn.prompt.id == prompt.id:
                turn.question_audio = self.session.rel(wav) if wav.is_file() else None
                break

    def skip(self) -> Prompt | None:
        prompt = self.current
        if prompt is None:
            return None
        self.session.append(
            "answer", prompt_id=prompt.id, status="skipped", transcript=None, notes=["skipped"]
        )
        nxt = self.interview.skip()
        if nxt is None:
            self.session.append("ended", reason=self.interview.ended)
        return self.current

    def end(self, reason: str = "ended early") -> None:
        prompt = self.interview.current
        if prompt is not None:
            self.session.append(
                "answer", prompt_id=prompt.id, status="skipped", transcript=None, notes=[reason]
            )
        self.interview.end(reason)
        self.session.append("ended", reason=reason)

    def answer(self, prompt: Prompt, recorded: RecordedAnswer | None = None) -> Prompt | None:
        """Capture, transcribe and settle one answer; returns the next prompt."""
        try:
            rec = self.capture(prompt, recorded)
        except UserCommand as cmd:
            if cmd.command == "skip":
                return self.skip()
            if cmd.command == "end":
                self.end()
                return None
            return self.current  # repeat: the same prompt is asked again
        if rec is None:
            return self.current
        return self.settle(prompt, rec, self.transcribe(prompt, rec))

    def finish(self) -> debrief_mod.Debrief:
        """Build and save the debrief (coach notes are optional extras and may fail silently into a note)."""
        self.phase("debrief")
        notes: list[str] = []
        coach_notes = []
        answered = [(t.prompt, t.transcript) for t in self.interview.turns if t.answered and t.transcript]
        if answered and self.backends.coach.name != "scripted":
            try:
                coach_notes = self.backends.coach.notes(NotesRequest(self.scenario, tuple(answered)))
            except Exception as exc:  # notes are extras; the deterministic debrief stands alone
                notes.append(f"The {self.backends.coach.name} coach could not add notes: {exc}")
        started = self.session.started
        report = debrief_mod.build(
            self.scenario,
            self.interview.turns,
            session_id=self.session.id,
            started_at=started.get("at", ""),
            ended=self.interview.ended or "ended early",
            inputs=started.get("inputs", self.backends.labels()),
            coach_notes=coach_notes,
            notes=notes,
        )
        json_path, md_path = debrief_mod.save(report, self.session.path)
        # never let the process exit while the model loads in its thread: ctranslate2 aborts the process
        self.wait_loaded()
        self.session.append("debrief", json=self.session.rel(json_path), markdown=self.session.rel(md_path))
        self.listener(Event("ended", str(md_path)))
        return report

    # -- headless -----------------------------------------------------------------------------------------

    def run(self) -> debrief_mod.Debrief:
        """Run the whole interview without a UI: speak, answer, follow up, debrief."""
        if self.interview.current is not None and not self.interview.turns:  # not again on resume
            self.listener(Event("prompt", self.scenario.intro, {"kind": "intro"}))
            intro = Prompt("intro", "intro", self.interview.current.kind, self.scenario.intro, 0, 0)
            self.speak(intro)
        prompt = self.current
        while prompt is not None:
            self.listener(Event("prompt", prompt.text, {"prompt": prompt.to_dict()}))
            self.speak(prompt)
            prompt = self.answer(prompt)
        if self.interview.ended == "completed":
            self.listener(Event("prompt", self.scenario.outro, {"kind": "outro"}))
            self.speak(
                Prompt("outro", "outro", self.interview.turns[-1].prompt.kind, self.scenario.outro, 0, 0)
            )
        return self.finish()

    def wait_loaded(self, timeout: float = 30.0) -> None:
        if self._loader is not None:
            self._loader.join(timeout)


def elapsed(since: float) -> float:
    return time.monotonic() - since
