"""Hands-free conversation through the real microphone path (PortAudio -> ALSA pulse -> a private
PulseAudio): answers that end by themselves, barge-in on the candidate's voice, and the echo check.

The PulseAudio server has two null sinks when the persona must not be heard by the microphone: ``vspk``,
whose monitor is the microphone (answers are played into it), and ``vout``, the default output where the
persona speaks. With one sink, the microphone hears the speakers: a perfect echo.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import start_voicemock
from pulse import pulse_session, synthesize, wer
from voicemock import audio
from voicemock.models import SAMPLE_RATE

pytestmark = [pytest.mark.audio, pytest.mark.slow]

SCENARIO = """
title = "Hands-free check"
round = "recruiter-screen"
description = "Two questions, one follow-up each."
intro = "Hi."
outro = "Thanks."
max_follow_ups = 1
answer_seconds = 60

[persona]
name = "Dana"
role = "Recruiter"
temperament = "brisk"
voice = { espeak = "en-us+f2", rate = 220, pitch = 60 }

[[questions]]
id = "metric"
text = "How would you measure success?"

  [[questions.signals]]
  id = "tradeoff"
  follow_up = "What would you give up for it?"

[[questions]]
id = "why"
text = "Why this role?"

  [[questions.signals]]
  id = "motivation"
  follow_up = "What draws you to it?"
"""
ANSWERS = [
    ["I would track the weekly completion rate.", "It tells us whether merchants finish checkout."],
    ["We would accept a little more fraud.", "Conversion matters more for small shops."],
    ["I like building products that people use every day."],
]


def piper_answer(sentences: list[str], dest: Path) -> Path:
    """Natural speech: Piper sentences with a 0.5 s gap between them and silence around."""
    pytest.importorskip("piper")
    from bench.voice_data import PiperRenderer

    renderer = PiperRenderer(dest.parent / "piper-cache")
    parts: list[audio.Samples] = [np.zeros(SAMPLE_RATE // 4, np.float32)]
    for sentence in sentences:
        parts += [renderer.sentence(sentence), np.zeros(SAMPLE_RATE // 2, np.float32)]
    return audio.write_wav(dest, np.concatenate(parts).astype(np.float32))


def test_hands_free_answers_end_by_themselves_in_the_cli(tmp_path: Path, voicemock_home: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "hands-free.toml").write_text(SCENARIO)
    wavs = [piper_answer(s, tmp_path / f"a{i}.wav") for i, s in enumerate(ANSWERS)]
    with pulse_session(tmp_path / "pulse", speaker_sink="vout") as pulse:
        env = {**pulse.env, "VOICEMOCK_AUDIO__END_MODE": "hands-free"}
        args = ("--scenarios", str(scenarios), "run", "-s", "hands-free", "--input-device", "pulse", "--json")
        proc = start_voicemock(*args, home=voicemock_home, env=env, stdin=subprocess.DEVNULL)
        assert proc.stderr is not None
        seen: list[str] = []
        answers = iter(wavs)
        for line in proc.stderr:  # progress goes to stderr with --json
            seen.append(line)
            if "(recording" in line:
                wav = next(answers, None)
                if wav is None:
                    break
                time.sleep(0.5)
                pulse.play(wav).wait(30)  # nobody presses a key: the answer must end by itself
        out, err = proc.communicate(timeout=120)
    err = "".join(seen) + err
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "hands-free" in err or "when you stop talking" in err
    session = next((voicemock_home / "sessions").iterdir())
    events = [json.loads(line) for line in (session / "journal.jsonl").read_text().splitlines()]
    recorded = [e for e in events if e["event"] == "answer_recorded"]
    assert len(recorded) >= 3, err
    assert all(e["ended_by"] == "turn-end" for e in recorded[:3]), recorded
    report = json.loads(out)
    first = report["questions"][0]["turns"]
    assert len(first) == 2  # the answer, then the follow-up's answer: the conversation went on
    assert wer(" ".join(ANSWERS[0]), first[0]["answer"]) < 0.25, first[0]["answer"]


def test_echo_check_hears_a_loopback_and_not_a_separate_output(tmp_path: Path) -> None:
    from voicemock.backends.echo import check_echo

    with pulse_session(tmp_path / "one"):  # the microphone is the speakers' monitor: pure echo
        echo = check_echo("pulse", "pulse")
    assert echo.heard and echo.correlation > 0.8 and echo.delay is not None
    assert "headphones" in echo.advice
    with pulse_session(tmp_path / "two", speaker_sink="vout"):  # speakers go elsewhere
        quiet = check_echo("pulse", "pulse")
    assert not quiet.heard and quiet.correlation < 0.3


def test_doctor_reports_the_echo(tmp_path: Path, voicemock_home: Path) -> None:
    with pulse_session(tmp_path / "pulse") as pulse:
        env = {**pulse.env, "VOICEMOCK_AUDIO__INPUT_DEVICE": "pulse", "VOICEMOCK_AUDIO__BARGE_IN": "true"}
        proc = start_voicemock("doctor", home=voicemock_home, env=env, stdin=subprocess.DEVNULL)
        out, err = proc.communicate(timeout=120)
    assert "echo (barge-in)" in out, out + err
    assert "headphones" in out
    assert "hands-free turn-taking" in out


def test_barge_in_stops_the_persona_and_keeps_the_first_words(tmp_path: Path, voicemock_home: Path) -> None:
    from voicemock import backends
    from voicemock.config import Settings
    from voicemock.models import Prompt, PromptKind
    from voicemock.scenario import load_scenario
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    (tmp_path / "s.toml").write_text(SCENARIO)
    scenario = load_scenario(tmp_path / "s.toml")
    speech = synthesize("Sorry to interrupt, I measured retention weekly.", tmp_path / "barge.wav", speed=150)
    with pulse_session(tmp_path / "pulse", speaker_sink="vout") as pulse:
        settings = Settings()
        settings.audio.input_device = "pulse"
        settings.audio.end_mode = "hands-free"
        settings.audio.barge_in = True
        chosen = backends.build(settings)
        assert chosen.player.available and chosen.vad is not None
        rehearsal = Rehearsal.begin(scenario, chosen, SessionStore())
        long_text = "Let me tell you about this role in some detail. " * 6  # about 15 s of speech
        prompt = Prompt("long", "metric", PromptKind.QUESTION, long_text, 60, 1)

        def interrupt() -> None:
            time.sleep(2.0)
            pulse.play(speech).wait(20)

        threading.Thread(target=interrupt, daemon=True).start()
        t0 = time.monotonic()
        rehearsal.speak(prompt)
        spoke_for = time.monotonic() - t0
        assert rehearsal.barged_in, "the candidate's voice did not stop the persona"
        wav = rehearsal.session.audio_path("long", "question")
        assert spoke_for < audio.duration(wav) - 5.0, (spoke_for, audio.duration(wav))
        recorded = rehearsal.capture(prompt)  # continues the open stream: the first words are in it
        assert recorded is not None and recorded.ended_by == "turn-end"
        outcome = rehearsal.transcribe(prompt, recorded)
        rehearsal.wait_loaded()
    assert outcome.transcript is not None
    text = outcome.transcript.text.lower()
    assert "sorry" in text or "interrupt" in text, text  # the words that barged in were kept
    assert "retention" in text, text


def test_the_follow_up_is_prepared_while_the_candidate_pauses(tmp_path: Path, voicemock_home: Path) -> None:
    """The speculative tail: when the answer ends, its text, the follow-up and the follow-up's audio were
    all made during the final pause, and the streamed text matches whole-file transcription."""
    from voicemock import backends
    from voicemock.backends.whisper import WhisperTranscriber
    from voicemock.config import Settings
    from voicemock.scenario import load_scenario
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    (tmp_path / "s.toml").write_text(SCENARIO)
    scenario = load_scenario(tmp_path / "s.toml")
    wav = piper_answer(ANSWERS[0], tmp_path / "a.wav")
    with pulse_session(tmp_path / "pulse", speaker_sink="vout") as pulse:
        settings = Settings()
        settings.audio.input_device = "pulse"
        settings.audio.end_mode = "hands-free"
        chosen = backends.build(settings)
        rehearsal = Rehearsal.begin(scenario, chosen, SessionStore())
        rehearsal.wait_loaded()
        prompt = rehearsal.current
        assert prompt is not None
        threading.Thread(target=lambda: (time.sleep(0.5), pulse.play(wav).wait(30)), daemon=True).start()
        recorded = rehearsal.capture(prompt)
        assert recorded is not None and recorded.ended_by == "turn-end"
        live = rehearsal._live
        assert live is not None and live.streaming is not None
        outcome = rehearsal.transcribe(prompt, recorded)
        assert outcome.transcript is not None
        assert live.streaming.tail_reused  # type: ignore[attr-defined]  # nothing was left to transcribe
        live.wait_speculation()  # under load it may still be rendering; settle waits for it the same way
        spec = live.speculated(outcome.transcript)
        assert spec is not None and spec.prompt is not None and spec.wav is not None
        nxt = rehearsal.settle(prompt, recorded, outcome)
        assert nxt is not None and nxt.id == spec.prompt.id and nxt.text == spec.prompt.text
        assert rehearsal.session.audio_path(nxt.id, "question").is_file()  # the speculated audio, moved
        assert not list(rehearsal.session.path.rglob("*.speculative.wav"))
        whole = WhisperTranscriber().transcribe(Path(recorded.audio_path or "")).text
    assert wer(whole, outcome.transcript.text) <= 0.1, (whole, outcome.transcript.text)
