"""Hands-free turn-taking: the VAD, the Smart Turn features and model on real speech, and the policy.

Real parts only: Silero VAD and Smart Turn run on human recordings (alsa-utils) and Piper speech; the policy
is driven by the real energy VAD on synthetic tone bursts where exact timing matters.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voicemock import audio
from voicemock.backends.smart_turn import SmartTurnDetector, features
from voicemock.backends.vad import EnergyVAD, SileroVAD
from voicemock.models import SAMPLE_RATE
from voicemock.turns import TurnPolicy, TurnTaker, asks_for_time, sounds_unfinished

HUMAN = Path("/usr/share/sounds/alsa")


def human(name: str) -> audio.Samples:
    path = HUMAN / f"{name}.wav"
    if not path.is_file():
        pytest.skip("alsa-utils voice samples are not installed (make setup-test installs them)")
    samples, rate = audio.read_wav(path)
    return audio.resample(samples, rate)


def silence(seconds: float) -> audio.Samples:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def tone(seconds: float, amp: float = 0.2) -> audio.Samples:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (amp * np.sin(2 * np.pi * 220 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)


# -- the models on real audio ----------------------------------------------------------------------------


def test_features_match_faster_whisper_feature_extractor() -> None:
    """Our numpy log-mel features equal faster-whisper's FeatureExtractor on the same normalised audio."""
    from faster_whisper.feature_extractor import FeatureExtractor

    x = human("Front_Center")
    mine = features(x)
    window = np.concatenate([silence(8.0 - len(x) / SAMPLE_RATE), x])[: 8 * SAMPLE_RATE]
    normalised = ((window - window.mean()) / np.sqrt(window.var() + 1e-7)).astype(np.float32)
    reference = FeatureExtractor(chunk_length=8)(normalised, padding=0)
    assert mine.shape == (80, 800) == reference.shape
    assert float(np.max(np.abs(mine - reference))) < 1e-4


def test_streaming_silero_equals_batched_faster_whisper() -> None:
    """Frame-by-frame Silero (state carried over) gives faster-whisper's batched probabilities."""
    from faster_whisper.vad import SileroVADModel

    from voicemock.backends.vad import silero_model_path

    x = human("Rear_Left")
    x = x[: len(x) // 512 * 512]
    batched = SileroVADModel(str(silero_model_path()))(x).reshape(-1)
    vad = SileroVAD()
    streamed: list[float] = []
    for i in range(0, len(x), 800):  # 50 ms blocks, not aligned with the 32 ms frames
        streamed += vad.probabilities(x[i : i + 800])
    assert len(streamed) == len(batched)
    assert float(np.max(np.abs(np.array(streamed) - batched))) < 1e-4
    assert max(streamed) > 0.9 and min(streamed) < 0.3  # speech and the silence around it


def test_silero_ignores_noise_that_energy_would_call_speech() -> None:
    noise = human("Noise")  # alsa-utils' pink noise test signal
    assert float(np.mean(SileroVAD().probabilities(noise))) < 0.2


@pytest.mark.parametrize("name", ["Front_Center", "Front_Left", "Rear_Center", "Side_Left"])
def test_smart_turn_calls_finished_human_phrases_complete(name: str) -> None:
    x = np.concatenate([human(name), silence(0.2)])
    assert SmartTurnDetector().complete_probability(x) > 0.5


# -- the policy -------------------------------------------------------------------------------------------


def run(taker: TurnTaker, samples: audio.Samples, block: int = 800) -> tuple[object, float]:
    end = None
    for i in range(0, len(samples), block):
        end = taker.push(samples[i : i + block])
        if end is not None:
            break
    return end, taker.total / SAMPLE_RATE


def test_complete_pause_ends_after_the_short_wait() -> None:
    taker = TurnTaker(TurnPolicy(complete_wait=0.8), EnergyVAD())
    end, _ = run(taker, np.concatenate([silence(0.5), tone(2.0), silence(5.0)]))
    assert end is not None and end.reason == "complete"  # no model: pauses count as complete
    assert 0.8 <= (end.at - end.speech_end) / SAMPLE_RATE < 0.9
    assert abs(end.speech_end / SAMPLE_RATE - 2.5) < 0.1


def test_resumed_speech_continues_the_answer_and_pauses_are_recorded() -> None:
    taker = TurnTaker(TurnPolicy(complete_wait=1.0), EnergyVAD())
    script = np.concatenate([tone(1.0), silence(0.7), tone(1.0), silence(0.6), tone(1.0), silence(3.0)])
    end, _ = run(taker, script)
    assert end is not None and abs(end.speech_end / SAMPLE_RATE - 4.3) < 0.1  # the last burst's end
    assert len(taker.pauses) == 3
    assert [round(p.seconds, 1) for p in taker.pauses[:2]] == [0.7, 0.6]


def test_review_of_an_unfinished_sentence_waits_the_thinking_limit() -> None:
    policy = TurnPolicy(complete_wait=0.8, thinking_limit=4.0)
    taker = TurnTaker(policy, EnergyVAD(), needs_clearance=True)
    taker.on_pause = lambda pause: taker.review(pause.index, "So we measured the")
    end, _ = run(taker, np.concatenate([tone(1.5), silence(3.5), tone(1.0), silence(1.5)]))
    assert end is None  # neither the 3.5 s thinking pause nor the last 1.5 s ended it
    finished = TurnTaker(policy, EnergyVAD(), needs_clearance=True)
    finished.on_pause = lambda pause: finished.review(pause.index, "So we measured the churn.")
    end, _ = run(finished, np.concatenate([tone(1.5), silence(3.5), tone(1.0), silence(1.5)]))
    assert end is not None and end.speech_end / SAMPLE_RATE < 1.6  # the same audio, finished words


def test_the_candidate_can_hold_the_turn_by_asking_for_time() -> None:
    policy = TurnPolicy(complete_wait=0.8, hold_limit=30.0)
    taker = TurnTaker(policy, EnergyVAD(), needs_clearance=True)
    texts = iter(["That's a good question, let me think.", "We would ship it in March."])
    taker.on_pause = lambda pause: taker.review(pause.index, next(texts))
    end, _ = run(taker, np.concatenate([tone(1.0), silence(8.0), tone(1.0), silence(2.0)]))
    assert end is not None and end.reason == "complete"
    assert end.speech_end / SAMPLE_RATE > 9.5  # the 8 s held pause did not end the answer
    assert taker.pauses[0].held


def test_the_hold_key_holds_the_current_pause_only() -> None:
    taker = TurnTaker(TurnPolicy(complete_wait=0.8), EnergyVAD())
    taker.on_pause = lambda pause: taker.hold() if pause.index == 1 else None
    end, _ = run(taker, np.concatenate([tone(1.0), silence(6.0), tone(1.0), silence(2.0)]))
    assert end is not None and end.speech_end / SAMPLE_RATE > 7.5
    assert (end.at - end.speech_end) / SAMPLE_RATE < 1.0  # the next pause was not held


def test_an_end_waits_for_its_words_to_be_checked_but_not_forever() -> None:
    policy = TurnPolicy(complete_wait=0.8, clear_timeout=2.0)
    taker = TurnTaker(policy, EnergyVAD(), needs_clearance=True)
    end, _ = run(taker, np.concatenate([tone(1.0), silence(5.0)]))
    assert end is not None and 2.7 <= (end.at - end.speech_end) / SAMPLE_RATE <= 2.9  # 0.8 + 2.0


def test_no_speech_at_all_ends_as_no_speech() -> None:
    taker = TurnTaker(TurnPolicy(no_speech_limit=3.0), EnergyVAD())
    end, _ = run(taker, silence(5.0))
    assert end is not None and end.reason == "no-speech"


@pytest.mark.parametrize(
    ("text", "unfinished"),
    [
        ("We launched it in March.", False),
        ("What would you measure first?", False),
        ("We measured the", True),
        ("We measured the...", True),
        ("and the churn rate,", True),
        ("because", True),
        ("", False),
    ],
)
def test_sounds_unfinished(text: str, unfinished: bool) -> None:
    assert sounds_unfinished(text) is unfinished


def test_asks_for_time() -> None:
    assert asks_for_time("Good question. Let me think.")
    assert asks_for_time("hmm, give me a second")
    assert not asks_for_time("I would think about retention first.")


@pytest.mark.slow
def test_piper_thinking_pause_mid_sentence_is_not_an_end(tmp_path: Path) -> None:
    """Natural (Piper) speech with a 3 s pause after "the": the real pipeline's parts (Silero, Smart Turn,
    streaming Whisper reviewing the pause's words) wait through it and end soon after the true end."""
    pytest.importorskip("piper")
    import random

    from bench.voice_data import PiperRenderer, WordCutter, last_voiced

    from voicemock.backends.incremental import IncrementalTranscriber
    from voicemock.backends.whisper import WhisperTranscriber

    text = "We compared the churn rate of both groups for a whole month."
    speech = PiperRenderer(tmp_path).sentence(text)
    cut = WordCutter(tmp_path).cut(text, speech, random.Random(1))
    samples = np.concatenate([silence(0.4), speech[:cut], silence(3.0), speech[cut:], silence(6.0)])
    true_end = last_voiced(samples)
    inc = IncrementalTranscriber(WhisperTranscriber())
    inc.begin(None)
    taker = TurnTaker(TurnPolicy(), SileroVAD(), SmartTurnDetector(), needs_clearance=True)

    def on_pause(pause: object) -> None:
        spec = inc.speculate()
        taker.review(pause.index, spec.text if spec else "")  # type: ignore[attr-defined]

    taker.on_pause = on_pause
    taker.on_resume = lambda pause: inc.resumed()
    end = None
    for i in range(0, len(samples), 800):
        inc.feed(samples[i : i + 800])
        end = taker.push(samples[i : i + 800])
        if end is not None:
            break
    inc.cancel()
    assert end is not None, "the answer never ended"
    assert end.at > true_end, f"ended {(true_end - end.at) / SAMPLE_RATE:.1f} s before the true end"
    assert (end.at - true_end) / SAMPLE_RATE <= 3.5
    assert any(p.seconds >= 2.5 for p in taker.pauses[:-1])  # the thinking pause was seen and survived


def test_thinking_pauses_are_counted_for_the_debrief() -> None:
    from voicemock.analysis import analyse
    from voicemock.models import Transcript, Word
    from voicemock.report import stats_line

    words = (
        Word("We", 0.0, 0.3),
        Word("measured", 0.3, 0.8),
        Word("churn", 4.2, 4.6),
        Word("weekly.", 4.6, 5.0),
    )
    stats = analyse(Transcript("We measured churn weekly.", words, 5.0, "whisper"))
    assert stats.thinking_pauses == 1 and stats.long_pauses == 1
    assert "1 thinking pause (3 s or more)" in stats_line(stats.to_dict())
