"""`make demo`: a full interview whose candidate is synthesized, so every real part runs.

The sample answers (``voicemock/demo_answers/<scenario>/*.txt``, package data) are spoken by espeak-ng in a voice unlike the
persona's, saved as WAV answer files, and then transcribed by Whisper like any recording.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from voicemock import paths
from voicemock.backends.tts_espeak import EspeakSpeaker
from voicemock.errors import VoicemockError
from voicemock.scenario import Voice

CANDIDATE_VOICE = Voice(espeak="en-gb-x-rp+m3", rate=140, pitch=40)  # espeak runs fast: 140 reads as ~165 wpm


def samples_dir(scenario_id: str) -> Path:
    return paths.demo_answers_dir() / scenario_id


def prepare_answers(scenario_id: str) -> Path:
    """Synthesize the sample answers for ``scenario_id`` into a fresh directory and return it."""
    src = samples_dir(scenario_id)
    texts = sorted(src.glob("*.txt")) if src.is_dir() else []
    if not texts:
        raise VoicemockError(
            f"no demo answers for {scenario_id!r} in {src}", fix="use --scenario fraud-success-metrics"
        )
    out = paths.data_dir() / "demo-answers" / scenario_id
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    speaker = EspeakSpeaker()
    for text_file in texts:
        text = text_file.read_text(encoding="utf-8").strip()
        speaker.synthesize(text, CANDIDATE_VOICE, out / f"{text_file.stem}.wav")
    return out
