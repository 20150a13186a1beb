"""The interview engine: what the persona says next.

Headless and synchronous: it owns the scenario's questions, the follow-up budget and the time budget, and
turns each answer into the next prompt. It imports no UI, audio, model or HTTP library; the CLI and the TUI
drive the same engine (through ``session.Rehearsal``), and a coach is consulted through the ``Coach``
protocol. A coach that raises never stops the interview: the scripted fallback answers instead.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from voicemock.models import AnswerStatus, Prompt, PromptKind, Transcript, Turn
from voicemock.protocols import Coach, FollowUp, FollowUpRequest
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

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> Prompt:
        """Return the first question."""
        if self.current is None and not self.turns:
            self.current = self._question_prompt(0)
        assert self.current is not None
        return self.current

    @property
    def finished(self) -> bool:
        return self.ended is not None

    def end(self, reason: str = "ended early") -> None:
        """Stop now; everything answered so far is kept."""
        if self.current is not None:
            self.turns.append(Turn(self.current, AnswerStatus.SKIPPED, notes=[reason]))
        self.current = None
        self.ended = reason

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
    ) -> Interview:
        """Rebuild an interview from a journal: ``turns`` already settled, ``pending`` the prompt that was
        asked but not answered (None: decide what comes after the last turn)."""
        interview = cls(scenario, coach, fallback, reask_on_silence=reask_on_silence)
        interview.turns = list(turns)
        if pending is not None:
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

    # -- queries ------------------------------------------------------------------------------------------

    def answers_for(self, question_id: str) -> list[tuple[str, str]]:
        return [
            (t.prompt.id, t.transcript.text)
            for t in self.turns
            if t.prompt.question_id == question_id and t.answered and t.transcript is not None
        ]

    def assessment(self, question: Question) -> Assessment:
        return assess(question, self.scenario.persona, self.answers_for(question.id))

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

    def _question_prompt(self, index: int) -> Prompt:
        q = self.scenario.questions[index]
        return Prompt(
            id=q.id,
            question_id=q.id,
            kind=PromptKind.QUESTION,
            text=q.text,
            budget_seconds=self.scenario.budget(q),
            number=index + 1,
        )

    def _next_question(self, number: int) -> Prompt | None:
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
            if t.prompt.question_id == question.id and t.prompt.kind is PromptKind.FOLLOW_UP
        ]
        asked_ids = {p.id for p in follow_ups}
        remaining = self.scenario.follow_up_limit(question) - len(asked_ids)
        if turn.status is not AnswerStatus.ANSWERED or remaining <= 0 or turn.transcript is None:
            return self._next_question(prompt.number)
        assessment = self.assessment(question)
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
            id=f"{question.id}.f{index}",
            question_id=question.id,
            kind=PromptKind.FOLLOW_UP,
            text=follow_up.text,
            budget_seconds=max(30, self.scenario.budget(question) // 2),
            number=prompt.number,
            follow_up_index=index,
            signal=follow_up.signal,
            origin=follow_up.origin,
        )
        return self.current

    def _ask_coach(self, request: FollowUpRequest) -> FollowUp | None:
        try:
            return self.coach.follow_up(request)
        except Exception as exc:  # a coach failure must never stop the interview
            log.warning("coach %s failed: %s", self.coach.name, exc)
            if self.fallback is None:
                raise
            self.notices.append(f"The {self.coach.name} coach failed ({exc}); used the scripted follow-up.")
            return self.fallback.follow_up(request)


def _strip_reask(text: str) -> str:
    return text.removeprefix(DIDNT_CATCH)
