"""The offline follow-up coach: the scenario's authored follow-up for the most important missing signal.

Deterministic and instant. It is the default and the fallback for every other coach: measured small local
models did worse than this at picking a real gap (docs/llm.md, "What small local models were measured to do").
"""

from __future__ import annotations

from voicemock.protocols import CoachNote, FollowUp, FollowUpRequest, NotesRequest


class ScriptedCoach:
    """Asks the persona's authored follow-up for the first missing signal, or moves on."""

    name = "scripted"

    def follow_up(self, request: FollowUpRequest) -> FollowUp | None:
        if request.remaining <= 0:
            return None
        authored = {ref.id: ref.follow_up for ref in request.question.signals}
        for signal_id in request.missing:
            text = authored.get(signal_id)
            if text and text not in request.asked:
                return FollowUp(text=text, signal=signal_id, origin="scripted")
        return None

    def notes(self, request: NotesRequest) -> list[CoachNote]:
        return []
