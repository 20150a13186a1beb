"""The app in hands-free mode, driven through Pilot with the real microphone path (PulseAudio), the real
VAD, Smart Turn and Whisper: the answer starts when the persona stops and ends when the candidate stops,
with no key pressed; the hold key keeps the turn through a long pause."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from pulse import pulse_session
from test_tui import conversation, interview, pick, wait_for
from voicemock import audio, backends, paths
from voicemock.config import Settings
from voicemock.models import SAMPLE_RATE
from voicemock.scenario import ScenarioSet
from voicemock.store import SessionStore
from voicemock.tui.app import VoiceMockApp

pytestmark = [pytest.mark.audio, pytest.mark.slow]

SENTENCES = ["I would measure the share of fraud we catch.", "And the approval rate for good customers."]


def answer_wav(tmp_path: Path, pause: float = 0.5) -> Path:
    pytest.importorskip("piper")
    from bench.voice_data import PiperRenderer

    renderer = PiperRenderer(tmp_path / "piper-cache")
    gap = np.zeros(int(pause * SAMPLE_RATE), np.float32)
    parts = [np.zeros(SAMPLE_RATE // 4, np.float32), renderer.sentence(SENTENCES[0]), gap]
    parts += [renderer.sentence(SENTENCES[1]), np.zeros(SAMPLE_RATE // 2, np.float32)]
    return audio.write_wav(tmp_path / f"answer-{pause}.wav", np.concatenate(parts).astype(np.float32))


def settings() -> Settings:
    s = Settings()
    s.audio.input_device = "pulse"
    s.audio.end_mode = "hands-free"
    s.speech.output_device = "pulse"
    return s


def make_app() -> VoiceMockApp:
    scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
    chosen = settings()
    return VoiceMockApp(scenarios, chosen, SessionStore(), backends.build, clock=lambda: 100.0, live=False)


def journal(home: Path) -> list[dict[str, Any]]:
    session = next((home / "sessions").iterdir())
    return [json.loads(line) for line in (session / "journal.jsonl").read_text().splitlines()]


async def test_hands_free_answer_starts_and_ends_without_a_key(tmp_path: Path, voicemock_home: Path) -> None:
    wav = answer_wav(tmp_path)
    with pulse_session(tmp_path / "pulse", speaker_sink="vout") as pulse:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pick(pilot)
            # no key: the answer starts by itself once the persona has asked
            await wait_for(pilot, lambda: getattr(app.screen, "phase", "") == "listening", timeout=60)
            player = threading.Thread(target=lambda: (time.sleep(0.5), pulse.play(wav).wait(30)), daemon=True)
            player.start()
            # ... and ends by itself when the candidate stops: transcribed, then the persona goes on
            await wait_for(pilot, lambda: "approval" in conversation(interview(app)).lower(), timeout=90)
            await wait_for(
                pilot,
                lambda: (
                    getattr(app.screen, "phase", "") in ("speaking", "listening")
                    and len([e for e in journal(voicemock_home) if e["event"] == "prompt"]) >= 2
                ),
                timeout=60,
            )
            recorded = [e for e in journal(voicemock_home) if e["event"] == "answer_recorded"]
            assert recorded and recorded[0]["ended_by"] == "turn-end"
            await pilot.press("escape")
            app.exit()


async def test_hold_key_keeps_the_turn_through_a_long_pause(tmp_path: Path, voicemock_home: Path) -> None:
    wav = answer_wav(tmp_path, pause=7.0)  # longer than the thinking limit: without the hold it would end
    with pulse_session(tmp_path / "pulse", speaker_sink="vout") as pulse:
        app = make_app()
        async with app.run_test(size=(80, 24)) as pilot:
            await pick(pilot)
            await wait_for(pilot, lambda: getattr(app.screen, "phase", "") == "listening", timeout=60)
            threading.Thread(target=lambda: (time.sleep(0.5), pulse.play(wav).wait(40)), daemon=True).start()
            await wait_for(
                pilot, lambda: "listening \u00b7" in str(app.screen.query_one("#phase").render()), 30
            )
            await pilot.press("w")  # "wait, I'm thinking"
            await wait_for(pilot, lambda: "approval" in conversation(interview(app)).lower(), timeout=120)
            text = conversation(interview(app)).lower()
            assert "fraud" in text and "approval" in text  # one answer: the pause did not split it
            recorded = [e for e in journal(voicemock_home) if e["event"] == "answer_recorded"]
            assert recorded[0]["ended_by"] == "turn-end"
            assert any("held the turn" in n for n in recorded[0]["notes"]), recorded[0]["notes"]
            await pilot.press("escape")
            app.exit()
