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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicemock import debrief as debrief_mod
from voicemock.backends import Backends
from voicemock.diskspace import DiskFullError, error_from, estimate, is_full, low_space_warning
from voicemock.errors import (
    AudioError,
    NoAnswerAvailable,
    NoSpeechError,
    TranscriberError,
    UserCommand,
    VoicemockError,
)
from voicemock.interview import Interview
from voicemock.live_turn import LiveTurn, MemoCoach, preview_interview
from voicemock.models import Prompt, RecordedAnswer, Transcript
from voicemock.protocols import CoachNote, LiveHooks, LiveRecorder, Loadable, NotesRequest
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
        self._loaded = threading.Event()
        self._fallback_reasons: set[str] = set()
        self._notes_cancel = threading.Event()
        self._notes_skipped: str | None = None
        self._recovered: RecordedAnswer | None = None
        self.hooks = LiveHooks()
        """What the UI wants to hear from a live answer (level, partial text, pauses); see ``LiveTurn``."""
        self._live: LiveTurn | None = None
        self.barged_in = False
        """The candidate's voice interrupted the persona (barge-in on audio): answer at once."""
        # a follow-up speculated at a pause is settled without asking the coach (or an endpoint) twice
        self.interview.coach = MemoCoach(self.interview.coach)

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

        The session is locked for this process (``SessionDir.lock``); a disk with less room than the
        interview can need is warned about before anything is recorded. ``tailoring`` describes how
        ``scenario`` was tailored to the candidate's CV and job description; the tailored scenario is then
        kept in the session directory, so resuming asks the same questions.
        """
        warning = low_space_warning(store.root, scenario)
        inputs = backends.labels() | ({"tailoring": tailoring} if tailoring else {})
        session = store.create(
            scenario.id,
            title=scenario.title,
            scenario_source=scenario.source,
            inputs=inputs,
        )
        interview = Interview(
            scenario, backends.coach, backends.fallback_coach, reask_on_silence=reask_on_silence
        )
        interview.start()
        rehearsal = cls(scenario, backends, session, interview, listener)
        with rehearsal.explained():
            if tailoring:
                write_atomic(session.path / TAILORED_SCENARIO, scenario_toml(scenario))
            rehearsal.preload()
            for notice in ([warning] if warning else []) + backends.notices:
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
        reopen: bool = False,
    ) -> Rehearsal:
        """Pick up an unfinished session where it stopped (``reopen``: a finished one too, to retry a
        question). An answer recorded but not transcribed is kept: ``recover`` transcribes it."""
        session.lock()  # before reading the journal: another process may be about to append to it
        try:
            return cls._resume(
                session, scenarios, backends, listener, reask_on_silence=reask_on_silence, reopen=reopen
            )
        except BaseException:
            session.unlock()
            raise

    @classmethod
    def _resume(
        cls,
        session: SessionDir,
        scenarios: ScenarioSet,
        backends: Backends,
        listener: Listener | None,
        *,
        reask_on_silence: bool,
        reopen: bool,
    ) -> Rehearsal:
        started = session.started
        if not started:
            raise VoicemockError(f"{session.path} has no readable journal")
        state = session.state()
        if state.finished and not reopen:
            raise VoicemockError(
                f"session {session.id} is already finished",
                fix=f"voicemock show {session.id}, or voicemock retry {session.id} --question N",
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
        interview = Interview.resume(
            scenario,
            backends.coach,
            state.turns,
            state.pending,
            backends.fallback_coach,
            reask_on_silence=reask_on_silence,
            ended=state.ended,
            after_retry=state.after_retry,
        )
        rehearsal = cls(scenario, backends, session, interview, listener)
        pending = state.pending
        rehearsal._journalled = {t.prompt.id for t in state.turns} | ({pending.id} if pending else set())
        with rehearsal.explained():
            warning = low_space_warning(session.path, scenario)
            session.append("resumed", inputs=backends.labels())
            if warning:
                rehearsal.notice(warning)
            rehearsal.preload()
        if pending is not None and pending.id in state.recorded and state.ended is None:
            rec = state.recorded[pending.id]
            audio = session.abs(rec.get("audio"))
            rehearsal._recovered = RecordedAnswer(
                source=rec.get("source", "?"), audio_path=str(audio) if audio else None, text=rec.get("text")
            )
        return rehearsal

    def close(self) -> None:
        """Release the session for other processes (the end of the process does this too)."""
        self.wait_loaded()
        self.session.unlock()

    # -- failures -----------------------------------------------------------------------------------------

    def disk_full(self, exc: BaseException) -> DiskFullError:
        """The clear error for a write that failed for lack of space: what is saved, what the rest of the
        interview needs and how to resume."""
        err = error_from(exc, self.session.path)
        questions = self.scenario.questions
        done = {t.prompt.question_id for t in self.interview.turns}
        left = max(1, sum(1 for q in questions if q.id not in done))
        needed = estimate(self.scenario) * left // max(1, len(questions))
        return err.attach(self.session.id, self.session.path, self.session.saved_summary(), needed)

    @contextlib.contextmanager
    def explained(self) -> Iterator[None]:
        """Turn a full disk inside the block into ``disk_full``'s message, and never leave the model loading
        in a thread when the error ends the process (ctranslate2 aborts the process if it is cut off)."""
        try:
            yield
        except BaseException as exc:
            self.wait_loaded()
            if is_full(exc):
                raise self.disk_full(exc) from None
            raise

    def recover(self) -> Prompt | None:
        """Transcribe and settle an answer that was recorded before the program stopped (after the driver has
        shown the conversation so far); returns what waits next. Does nothing when there is none."""
        answer, self._recovered = self._recovered, None
        prompt = self.interview.current
        if answer is None or prompt is None:
            return self.current
        self.notice(
            f"Recovered your recorded answer to \u201c{shorten(prompt.text, 60)}\u201d; transcribing it now."
        )
        return self.settle(prompt, answer, self.transcribe(prompt, answer))

    @property
    def has_recovery(self) -> bool:
        return self._recovered is not None

    def retry(self, number: int) -> Prompt:
        """Ask question ``number`` again as a new attempt (journalled as a "retry" event, then its prompt)."""
        after = self.interview.ended
        prompt = self.interview.retry(number)
        self.session.append(
            "retry", question=number, question_id=prompt.question_id, attempt=prompt.attempt, after=after
        )
        self._journalled.discard(prompt.id)
        current = self.current
        assert current is not None
        return current

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
        b = self.backends
        models = [m for m in (b.transcriber, b.vad, b.turn_detector) if isinstance(m, Loadable)]

        def run() -> None:
            try:
                for model in models:
                    with contextlib.suppress(VoicemockError):  # reported when an answer is transcribed
                        model.load()
                # About 0.4 s; otherwise paid when the coach first judges an answer.
                with contextlib.suppress(Exception):  # a broken model shows in the debrief label and doctor
                    shipped_judge()
            finally:
                self._loaded.set()

        # Not a daemon: the process must never exit while ctranslate2 loads (it aborts with "terminate
        # called without an active exception"); Python waits for the load on any exit path.
        self._loader = threading.Thread(target=run, name="model-load", daemon=False)
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
        spec = self._speculated_audio(prompt)
        if spec is not None:
            spec.replace(dest)  # rendered at the pause, while the candidate was finishing
            self.session.append("question_audio", prompt_id=prompt.id, audio=self.session.rel(dest))
            return dest
        try:
            self.backends.speaker.synthesize(prompt.text, self.scenario.persona.voice, dest)
        except DiskFullError:
            raise
        except VoicemockError as exc:
            self.notice(f"Could not speak the question: {exc.message}")
            return None
        self.session.append("question_audio", prompt_id=prompt.id, audio=self.session.rel(dest))
        return dest

    def _speculated_audio(self, prompt: Prompt) -> Path | None:
        live = self._live
        spec = live.speculation if live is not None else None
        if spec is None or spec.prompt is None or spec.wav is None or not spec.wav.is_file():
            return None
        if spec.prompt.id != prompt.id or spec.prompt.text != prompt.text:
            return None
        return spec.wav

    def _speculative_render(self, prompt: Prompt) -> Path | None:
        """Render a follow-up the engine *might* ask, to a side file (moved into place if it is asked)."""
        if self.backends.speaker is None:
            return None
        final = self.session.audio_path(prompt.id, "question")
        dest = final.with_name(final.stem + ".speculative.wav")
        try:
            return self.backends.speaker.synthesize(prompt.text, self.scenario.persona.voice, dest)
        except VoicemockError:
            return None

    def speak(self, prompt: Prompt) -> Path | None:
        """Render and play the prompt (blocking until played or ``stop_speaking``).

        With barge-in on audio (``audio.barge_in``, headphones), the microphone listens while the persona
        speaks; when the candidate starts talking, playback stops and ``barged_in`` is set: the next
        ``capture`` continues that very input stream, so the first words are kept."""
        self.phase("speaking", prompt.text)
        self.barged_in = False
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
        recorder = self.backends.recorder
        if (
            self.backends.audio.barge_in
            and self.backends.vad is not None
            and isinstance(recorder, LiveRecorder)
        ):
            self._play_listening(wav, recorder)
            return wav
        try:
            player.play(wav)
        except VoicemockError as exc:
            self.notice(f"Playback failed: {exc.message}")
        return wav

    def _play_listening(self, wav: Path, recorder: LiveRecorder) -> None:
        done = threading.Event()
        failed: list[str] = []

        def play() -> None:
            try:
                self.backends.player.play(wav)
            except VoicemockError as exc:
                failed.append(exc.message)
            finally:
                done.set()

        player = threading.Thread(target=play, name="persona-speaking", daemon=True)
        player.start()
        assert self.backends.vad is not None
        try:
            heard = recorder.listen_for_speech(done.is_set, self.backends.vad)
        except AudioError as exc:
            heard = False
            self.notice(f"Barge-in is off for now: {exc.message}")
            done.wait()
        if heard:
            self.barged_in = True
            self.backends.player.stop()
        player.join()
        if failed:
            self.notice(f"Playback failed: {failed[0]}")

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
            recorder = self.backends.recorder
            if isinstance(recorder, LiveRecorder):
                self._live = self._wire(recorder, prompt)
            try:
                recorded = recorder.record(prompt, dest)
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
                # One line, once: settle_unavailable shows the reason and journals it with the answer.
                fix = f" ({exc.fix})" if exc.fix else ""
                self.settle_unavailable(prompt, f"Could not use your answer: {exc.message}{fix}")
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

    @property
    def live_input(self) -> bool:
        """Answers come from a live input (the microphone), not files or typing."""
        return self._is_live(self.backends.recorder)

    @staticmethod
    def _is_live(recorder: object) -> bool:
        """A live input (the microphone) can be swapped for typed answers when it fails."""
        return isinstance(recorder, LiveRecorder)

    @property
    def hands_free(self) -> bool:
        """Live answers end by themselves when the candidate stops (``audio.end_mode = "hands-free"``)."""
        return self.backends.audio.end_mode == "hands-free" and isinstance(
            self.backends.recorder, LiveRecorder
        )

    def _wire(self, recorder: LiveRecorder, prompt: Prompt) -> LiveTurn:
        """The live answer's pipeline: recorder -> streaming transcriber + turn-taker (+ speculation)."""
        b = self.backends
        if self._live is not None:
            self._live.close()
        live = LiveTurn(
            b.audio,
            hands_free=self.hands_free,
            streaming=b.streaming,
            vad=b.vad,
            detector=b.turn_detector,
            hooks=self.hooks,
            preview=lambda transcript: preview_interview(self.interview, transcript, recorder.label),
            render=self._speculative_render,
        )
        recorder.connect(live.wiring())
        self.barged_in = False
        return live

    def finish_answer(self) -> None:
        """End the live answer now (the answer key, or Enter in the CLI); harmless otherwise."""
        recorder = self.backends.recorder
        if isinstance(recorder, LiveRecorder):
            recorder.finish()

    def cancel_answer(self) -> None:
        recorder = self.backends.recorder
        if isinstance(recorder, LiveRecorder):
            recorder.cancel()

    def hold_turn(self) -> None:
        """Hands-free: the candidate asked for time; the current pause does not end the answer."""
        recorder = self.backends.recorder
        if isinstance(recorder, LiveRecorder):
            recorder.hold()

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
            transcriber = self.backends.transcriber
            if self._live is not None and self._live.streaming is not None:
                transcriber = self._live.streaming  # the streamed result when it covers this WAV
            try:
                transcript = transcriber.transcribe(
                    Path(recorded.audio_path), self._progress_reporter("transcribing")
                )
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

    def _progress_reporter(self, what: str) -> Callable[[float], None]:
        """A progress callback that turns "share done" into a "progress" event with an estimate of the
        time left (from the pace so far)."""
        started = time.monotonic()

        def report(fraction: float) -> None:
            spent = time.monotonic() - started
            eta = spent * (1 - fraction) / fraction if fraction > 0 else None
            self.listener(Event("progress", what, {"fraction": fraction, "eta": eta, "elapsed": spent}))

        return report

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
            if self._live is not None:
                self._live.wait_speculation()  # it is already asking the coach and rendering the reply
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
        current = self.current
        if self._live is not None:
            if current is not None:
                self.render(current)  # the speculated audio moves into place now (or renders as usual)
            self._live.close()
        return current

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
        self.session.append("ended", reason=self.interview.ended)

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
            if cmd.command == "retry":
                target = self.interview.retry_target()
                if target is not None:
                    return self.retry(target)
                self.notice("Nothing answered yet to try again: answer this question first.")
            return self.current  # repeat: the same prompt is asked again
        if rec is None:
            return self.current
        return self.settle(prompt, rec, self.transcribe(prompt, rec))

    def finish(self) -> debrief_mod.Debrief:
        """Build and save the debrief. Coach notes are optional extras: when there are none, the debrief
        says why (the coach failed, timed out, or the user skipped the wait with ``skip_notes``)."""
        self.phase("debrief")
        notes: list[str] = []
        coach_notes: list[CoachNote] = []
        answered = [(t.prompt, t.transcript) for t in self.interview.turns if t.answered and t.transcript]
        if answered and self.backends.coach.name != "scripted":
            coach_notes, missing = self._coach_notes(tuple(answered))
            notes += [missing] if missing else []
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
            asked_at=self.session.state().asked_at,
        )
        json_path, md_path = debrief_mod.save(report, self.session.path)
        # never let the process exit while the model loads in its thread: ctranslate2 aborts the process
        self.wait_loaded()
        self.session.append("debrief", json=self.session.rel(json_path), markdown=self.session.rel(md_path))
        self.listener(Event("ended", str(md_path)))
        return report

    def _coach_notes(
        self, answered: tuple[tuple[Prompt, Transcript], ...]
    ) -> tuple[list[CoachNote], str | None]:
        """Ask the coach for notes (a "notes" phase the UI shows, which ``skip_notes`` can cut short);
        returns the notes, or why there are none."""
        name = self.backends.coach.name
        self.phase("notes", f"Asking the {name} coach for debrief notes")
        started = time.monotonic()
        reason: str | None = None
        got: list[CoachNote] = []
        try:
            got = self.backends.coach.notes(NotesRequest(self.scenario, answered, cancel=self._notes_cancel))
        except VoicemockError as exc:
            reason = exc.message
        except Exception as exc:  # notes are extras; the deterministic debrief stands alone
            reason = f"{type(exc).__name__}: {exc}"
        finally:
            self.phase("debrief")
        if self._notes_skipped is not None:
            reason = f"skipped after {time.monotonic() - started:.0f} s ({self._notes_skipped})"
        if reason is None:
            return got, None
        self.session.append("notes_missing", reason=reason)
        return [], f"No notes from the {name} coach: {reason}."

    def skip_notes(self, why: str = "skipped") -> None:
        """Stop waiting for the coach's debrief notes (safe from any thread, or a signal handler)."""
        if self._notes_skipped is None:
            self._notes_skipped = why
        self._notes_cancel.set()

    # -- headless -----------------------------------------------------------------------------------------

    @property
    def opening(self) -> Prompt | None:
        """The persona's introduction, when this is a new session (never again on resume or retry)."""
        if self.interview.current is not None and not self.interview.turns and not self.interview.retried:
            return self.interview.intro()
        return None

    def run(self) -> debrief_mod.Debrief:
        """Run the whole interview without a UI: speak, answer, follow up, debrief."""
        with self.explained():
            return self._run()

    def _run(self) -> debrief_mod.Debrief:
        intro = self.opening
        if intro is not None:
            self.listener(Event("prompt", intro.text, {"kind": "intro"}))
            self.speak(intro)
        prompt = self.recover()
        while prompt is not None:
            self.listener(Event("prompt", prompt.text, {"prompt": prompt.to_dict()}))
            self.speak(prompt)
            prompt = self.answer(prompt)
        outro = self.interview.outro()
        if outro is not None:
            self.listener(Event("prompt", outro.text, {"kind": "outro"}))
            self.speak(outro)
        return self.finish()

    def wait_loaded(self, timeout: float = 30.0) -> None:
        """Wait for the background model load to end.

        On an Event, not ``Thread.join``: a Ctrl-C that interrupts ``join`` (Python 3.11) can leave the
        thread marked as finished while ctranslate2 is still loading, and the process then aborts at exit.
        """
        if self._loader is not None:
            self._loaded.wait(timeout)


def elapsed(since: float) -> float:
    return time.monotonic() - since


def shorten(text: str, width: int) -> str:
    """``text`` cut at a word boundary to at most ``width`` characters, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    cut = text[: width - 1].rsplit(" ", 1)[0].rstrip(",;:.")
    return cut + "\u2026"
