"""The conversation on the interview screen: who says what (with the same labels live, repeated and replayed
after a resume), the line that says what the keys do now, and the box a typed answer is written in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.events import Key
from textual.message import Message
from textual.widgets import TextArea

from voicemock.models import Prompt, PromptKind
from voicemock.protocols import PreparedAnswers

if TYPE_CHECKING:
    from voicemock.session import Rehearsal


class AnswerBox(TextArea):
    """The typed answer: several lines tall and wrapping, so a long answer stays readable while written.

    Enter sends it (a pasted answer keeps its line breaks); Escape closes the box.
    """

    class Submitted(Message):
        def __init__(self, box: AnswerBox, text: str) -> None:
            super().__init__()
            self.box = box
            self.text = text

        @property
        def control(self) -> AnswerBox:
            return self.box

    async def _on_key(self, event: Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.text))
            return
        await super()._on_key(event)


def speaker(prompt: Prompt, name: str, again: bool = False) -> str:
    """Who speaks a prompt in the conversation, with what kind of prompt it is: the same label live, when
    repeated with ``r`` and when a resumed session replays the conversation so far."""
    bits: list[str] = []
    if prompt.kind is PromptKind.FOLLOW_UP:
        bits.append(f"follow-up {prompt.follow_up_index}, {prompt.origin}")
    elif prompt.kind is PromptKind.REPEAT:
        bits.append("asking again after silence")
    if prompt.attempt > 1 and prompt.kind is PromptKind.QUESTION:
        bits.append(f"Q{prompt.number} again, attempt {prompt.attempt}")
    if again:
        bits.append("repeated")
    return f"{name} ({'; '.join(bits)})" if bits else name


def hint(phase: str, prompt: Prompt | None, rehearsal: Rehearsal | None, typed_only: bool) -> str:
    """What the keys do now, in one line: which answer file Space uses, what to press to type, and so on."""
    again = ""
    if rehearsal is not None:
        target = rehearsal.interview.retry_target()
        again = f" \u00b7 a: Q{target} again" if target is not None else ""
    if phase == "speaking":
        return "space: stop the question and answer now" + again
    if phase == "listening":
        return "speak now \u00b7 space: done"
    if phase != "your_turn" or prompt is None or rehearsal is None:
        return ""
    recorder = rehearsal.backends.recorder
    if typed_only:
        text = "space or t: type your answer \u00b7 s: skip"
    elif isinstance(recorder, PreparedAnswers):
        name = recorder.answer_for(prompt)
        text = (
            f"space: answer with {name} \u00b7 t: type instead"
            if name
            else "no answer file for this one: space moves on \u00b7 t: type one"
        )
    else:
        text = "space: start answering \u00b7 t: type instead \u00b7 s: skip"
    return text + again
