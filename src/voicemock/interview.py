"""The interview engine: what the persona says next.

Headless and synchronous: it owns the scenario's questions, the follow-up budget and the time budget, and
turns each answer into the next prompt. A question can be tried again (``retry``): the new attempt gets its
own prompts and follow-ups, and every earlier attempt stays in ``turns``. It imports no UI, audio, model or
HTTP library; the CLI and the TUI drive the same engine (through ``session.Rehearsal``), and a coach is
consulted through the ``Coach`` protocol. A coach that raises never stops the interview: the scripted fallback answers instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from voicemock.models import AnswerStatus, Prompt, PromptKind, Transcript, Turn
from voicemock.protocols import Coach, FollowUp, FollowUpRequest, StreamingCoach
from voicemock.rubric import Assessment, assess
from voicemock.scenario import Question, Scenario

log = logging.getLogger(__name__)

DIDNT_CATCH = "Sorry, I didn't catch that. "


class Interview:
    """State machine over a scenario: question -> answer -> follow-ups -> next question -> end."""

    def __init__(
        self,
        scenario: Scenario,
        coach: Coach,
        fallback: Coach | None = None,
        *,
        reask_on_silence: bool = True,
    ) -> None:
        self.scenario = scenario
        self.coach = coach
        self.fallback = fallback
        self.reask_on_silence = reask_on_silence
        self.turns: list[Turn] = []
        self.current: Prompt | None = None
        self.ended: str | None = None
        """Why the interview ended ("completed", "ended early", ...) or None while it runs."""
        self.notices: list[str] = []
        """Things the driver should tell the user (e.g. the coach fell back)."""
        self.after_retry: str | None = None
        """While retrying a question of an interview that had already ended: why it had ended. The interview
        ends again (for that reason) once the retried question is done, instead of moving on."""
        self.retried = False
        """True once a question was retried in this run (no closing words after a retry)."""
        self.on_sentence: Callable[[str], None] | None = None
        """Given each sentence of a streamed follow-up as soon as it is complete (the driver may start
        speaking it); only coaches that declare ``StreamingCoach`` call it."""

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> Prompt:
        """Return the first question."""
        if self.current is None and not self.turns:
            self.current = self._question_prompt(0)
        assert self.current is not None
        return self.current

    def intro(self) -> Prompt:
        """The persona's opening words, said once before the first question of a new session."""
        return Prompt("intro", "intro", PromptKind.INTRO, self.scenario.intro, 0, 0)

    def outro(self) -> Prompt | None:
        """The persona's closing words: only after the last question was reached (not after ending early,
        and not again after a retry)."""
        if self.ended != "completed" or self.retried or not self.scenario.outro:
            return None
        return Prompt("outro", "outro", PromptKind.OUTRO, self.scenario.outro, 0, 0)

    @property
    def finished(self) -> bool:
        return self.ended is not None

    def end(self, reason: str = "ended early") -> None:
        """Stop now; everything answered so far is kept. Stopping a retry of an interview that had already
        ended leaves it ended as it was (a completed interview stays completed)."""
        if self.current is not None:
            self.turns.append(Turn(self.current, AnswerStatus.SKIPPED, notes=[reason]))
        self.current = None
        self.ended, self.after_retry = self.after_retry or reason, None

    @classmethod
    def resume(
        cls,
        scenario: Scenario,
        coach: Coach,
        turns: Sequence[Turn],
        pending: Prompt | None,
        fallback: Coach | None = None,
        *,
        reask_on_silence: bool = True,
        ended: str | None = None,
        after_retry: str | None = None,
    ) -> Interview:
        """Rebuild an interview from a journal: ``turns`` already settled, ``pending`` the prompt that was
        asked but not answered (None: decide what comes after the last turn), ``ended`` why it ended (then
        nothing is asked), ``after_retry`` as journalled when a retry began."""
        interview = cls(scenario, coach, fallback, reask_on_silence=reask_on_silence)
        interview.turns = list(turns)
        interview.after_retry = after_retry
        if ended is not None:
            interview.ended = ended
        elif pending is not None:
            interview.current = pending
        elif not turns:
            interview.current = interview._question_prompt(0)
        else:
            last = turns[-1]
            interview.current = last.prompt
            interview.turns.pop()
            interview._settle(last)
        return interview

    # -- actions ------------------------------------------------------------------------------------------

    def answer(
        self, transcript: Transcript, source: str = "", audio_path: str | None = None
    ) -> Prompt | None:
        """Record the answer to the current prompt and return what the persona says next (None: the end)."""
        prompt = self._require_current()
        turn = Turn(
            prompt, AnswerStatus.ANSWERED, transcript, source, audio_path, notes=list(transcript.notes)
        )
        if transcript.duration is not None and transcript.duration > prompt.budget_seconds:
            over = transcript.duration - prompt.budget_seconds
            turn.notes.append(f"over the {prompt.budget_seconds} s budget by {over:.0f} s")
        return self._settle(turn)

    def no_speech(
        self, source: str = "", audio_path: str | None = None, reason: str = "no speech"
    ) -> Prompt | None:
        """The answer held no speech: re-ask once ("I didn't catch that"), then move on."""
        prompt = self._require_current()
        turn = Turn(prompt, AnswerStatus.NO_SPEECH, None, source, audio_path, notes=[reason])
        if self.reask_on_silence and prompt.kind is not PromptKind.REPEAT:
            self.turns.append(turn)
            self.current = Prompt(
                id=f"{prompt.id}.r",
                question_id=prompt.question_id,
                kind=PromptKind.REPEAT,
                text=DIDNT_CATCH + _strip_reask(prompt.text),
                budget_seconds=prompt.budget_seconds,
                number=prompt.number,
                follow_up_index=prompt.follow_up_index,
                signal=prompt.signal,
                origin=prompt.origin,
                attempt=prompt.attempt,
            )
            return self.current
        return self._settle(turn)

    def unavailable(self, reason: str) -> Prompt | None:
        """No answer could be had for this prompt (e.g. no answer file for a follow-up): move on."""
        prompt = self._require_current()
        return self._settle(Turn(prompt, AnswerStatus.UNAVAILABLE, notes=[reason]))

    def skip(self) -> Prompt | None:
        """Skip the current prompt and any further follow-ups: go to the next main question."""
        prompt = self._require_current()
        self.turns.append(Turn(prompt, AnswerStatus.SKIPPED, notes=["skipped"]))
        return self._next_question(prompt.number)

    def repeat(self) -> Prompt:
        """The persona says the current prompt again (same id: the answer still belongs to it)."""
        return self._require_current()

    def retry(self, number: int) -> Prompt:
        """Ask question ``number`` (1-based) again as a new attempt; nothing already answered is touched.

        A prompt still waiting for an answer (the follow-up or next question that came after the answer being
        retried) is withdrawn. If the interview had ended, it ends again once this attempt is done; otherwise
        it carries on with the first question not yet asked.
        """
        if not 1 <= number <= len(self.scenario.questions):
            raise ValueError(f"no question {number}: this scenario has {len(self.scenario.questions)}")
        q = self.scenario.questions[number - 1]
        attempt = 1 + max((t.prompt.attempt for t in self.turns if t.prompt.question_id == q.id), default=0)
        if self.ended is not None:
            self.after_retry = self.ended
        self.ended = None
        self.retried = True
        self.current = self._question_prompt(number - 1, attempt)
        return self.current

    def retry_target(self) -> int | None:
        """The question a retry in the middle of the interview means: the one answered last (None: none yet)."""
        for turn in reversed(self.turns):
            if turn.answered:
                return turn.prompt.number
        return None

    # -- queries ------------------------------------------------------------------------------------------

    def answers_for(self, question_id: str, attempt: int | None = None) -> list[tuple[str, str]]:
        """(prompt id, text) of every answer to a question; only one attempt's when ``attempt`` is given."""
        return [
            (t.prompt.id, t.transcript.text)
            for t in self.turns
            if t.prompt.question_id == question_id
            and (attempt is None or t.prompt.attempt == attempt)
            and t.answered
            and t.transcript is not None
        ]

    def assessment(self, question: Question, attempt: int | None = None) -> Assessment:
        """The rubric's verdicts on a question's answers (one attempt's, when given: each stands alone)."""
        return assess(question, self.scenario.persona, self.answers_for(question.id, attempt))

    @property
    def progress(self) -> tuple[int, int]:
        """(current question number, number of questions)."""
        number = self.current.number if self.current else len(self.scenario.questions)
        return number, len(self.scenario.questions)

    # -- internals ----------------------------------------------------------------------------------------

    def _require_current(self) -> Prompt:
        if self.current is None:
            raise RuntimeError("the interview has no open prompt")
        return self.current

    def _question_prompt(self, index: int, attempt: int = 1) -> Prompt:
        q = self.scenario.questions[index]
        return Prompt(
            id=attempt_id(q.id, attempt),
            question_id=q.id,
            kind=PromptKind.QUESTION,
            text=q.text,
            budget_seconds=self.scenario.budget(q),
            number=index + 1,
            attempt=attempt,
        )

    def _next_question(self, number: int) -> Prompt | None:
        """Move past question ``number``: to the first question not yet asked, or to the end."""
        if self.after_retry is not None:
            self.current = None
            self.ended, self.after_retry = self.after_retry, None
            return None
        # After a retry in the middle of the interview, questions already answered are not asked again.
        number = max([number] + [t.prompt.number for t in self.turns])
        if number >= len(self.scenario.questions):
            self.current = None
            self.ended = "completed"
            return None
        self.current = self._question_prompt(number)
        return self.current

    def _settle(self, turn: Turn) -> Prompt | None:
        """Store the turn, then ask the coach whether to follow up on this question."""
        self.turns.append(turn)
        prompt = turn.prompt
        question = self.scenario.question(prompt.question_id)
        follow_ups = [
            t.prompt
            for t in self.turns
            if t.prompt.question_id == question.id
            and t.prompt.attempt == prompt.attempt
            and t.prompt.kind is PromptKind.FOLLOW_UP
        ]
        asked_ids = {p.id for p in follow_ups}
        remaining = self.scenario.follow_up_limit(question) - len(asked_ids)
        if turn.status is not AnswerStatus.ANSWERED or remaining <= 0 or turn.transcript is None:
            return self._next_question(prompt.number)
        assessment = self.assessment(question, prompt.attempt)
        probed: set[str] = {p.signal for p in follow_ups if p.signal}
        missing = tuple(s for s in assessment.missing if s not in probed)
        request = FollowUpRequest(
            scenario=self.scenario,
            persona=self.scenario.persona,
            question=question,
            prompt=prompt,
            answer=turn.transcript,
            assessment=assessment,
            missing=missing,
            asked=tuple(p.text for p in follow_ups),
            remaining=remaining,
            probed=tuple(sorted(probed)),
        )
        follow_up = self._ask_coach(request)
        if follow_up is None:
            return self._next_question(prompt.number)
        index = len(asked_ids) + 1
        self.current = Prompt(
            id=f"{attempt_id(question.id, prompt.attempt)}.f{index}",
            question_id=question.id,
            kind=PromptKind.FOLLOW_UP,
            text=follow_up.text,
            budget_seconds=max(30, self.scenario.budget(question) // 2),
            number=prompt.number,
            follow_up_index=index,
            signal=follow_up.signal,
            origin=follow_up.origin,
            attempt=prompt.attempt,
        )
        return self.current

    def _ask_coach(self, request: FollowUpRequest) -> FollowUp | None:
        try:
            if self.on_sentence is not None and isinstance(self.coach, StreamingCoach):
                return self.coach.stream_follow_up(request, self.on_sentence)
            return self.coach.follow_up(request)
        except Exception as exc:  # a coach failure must never stop the interview
            log.warning("coach %s failed: %s", self.coach.name, exc)
            if self.fallback is None:
                raise
            self.notices.append(f"The {self.coach.name} coach failed ({exc}); used the scripted follow-up.")
            return self.fallback.follow_up(request)


def attempt_id(question_id: str, attempt: int) -> str:
    """The prompt id of an attempt at a question: the question id for the first, "<id>.a<k>" after."""
    return question_id if attempt <= 1 else f"{question_id}.a{attempt}"


def _strip_reask(text: str) -> str:
    return text.removeprefix(DIDNT_CATCH)
