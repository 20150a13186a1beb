"""`voicemock run` with the live microphone, through PortAudio and a private PulseAudio null sink.

The candidate's answer is played into the sink while the real CLI records from ALSA device ``pulse``;
with no keyboard (stdin is not a terminal) answers end after a pause. This is the whole user path:
persona speech out, half duplex, recording to disk, incremental Whisper, follow-up, debrief.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from conftest import start_voicemock, wer
from pulse import PulseServer, synthesize

SCENARIO = """
title = "Microphone check"
round = "recruiter-screen"
description = "One question, no follow-ups."
intro = "Hi."
outro = "Thanks."
max_follow_ups = 0
answer_seconds = 60

[persona]
name = "Dana"
role = "Recruiter"
temperament = "brisk"
voice = { espeak = "en-us+f2", rate = 200, pitch = 60 }

[[questions]]
id = "why"
text = "Why this role?"

  [[questions.signals]]
  id = "motivation"
  follow_up = "What draws you to it?"
"""
ANSWER = "I am excited about this role because I shipped a fraud model that cut chargebacks by ten percent."


def test_microphone_answer_end_to_end(tmp_path: Path, voicemock_home: Path) -> None:
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "mic-check.toml").write_text(SCENARIO)
    wav = synthesize(ANSWER, tmp_path / "answer.wav", speed=150)
    pulse = PulseServer(tmp_path / "pulse").start()
    try:
        env = {
            **pulse.env,
            "VOICEMOCK_AUDIO__END_MODE": "silence",
            "VOICEMOCK_AUDIO__SILENCE_SECONDS": "2",
            "VOICEMOCK_AUDIO__MIN_ANSWER_SECONDS": "2",
        }
        args = ("--scenarios", str(scenarios), "run", "-s", "mic-check", "--input-device", "pulse", "--json")
        proc = start_voicemock(*args, home=voicemock_home, env=env, stdin=subprocess.DEVNULL)
        assert proc.stderr is not None
        seen = []
        for line in proc.stderr:  # progress goes to stderr with --json
            seen.append(line)
            if "(recording" in line:
                break
        else:
            raise AssertionError("never started recording:\n" + "".join(seen))
        time.sleep(0.5)
        pulse.play(wav).wait(30)
        out, err = proc.communicate(timeout=90)
    finally:
        pulse.stop()
    err = "".join(seen) + err
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    report = json.loads(out)
    assert report["inputs"]["answers"] == "microphone (pulse)"
    turn = report["questions"][0]["turns"][0]
    assert turn["source"] == "microphone (pulse)"
    text = turn["answer"].lower()
    assert "excited" in text and "role" in text, text
    # the recording path must not degrade the audio: compare with Whisper on the played file itself
    # (espeak at this pace through tiny.en mishears some words either way, e.g. "fraud" as "frog")
    from voicemock.backends.whisper import WhisperTranscriber

    direct = WhisperTranscriber().transcribe(wav).text
    assert wer(direct, text) < 0.2, (direct, text)
    # The debrief judged the transcript that came through the microphone. (Whether "motivation" is shown
    # depends on how well tiny.en heard espeak: "I ship a frog model netcut charging back side 10%" once.)
    from voicemock.rubric import assess
    from voicemock.scenario import load_scenario

    scenario = load_scenario(scenarios / "mic-check.toml")
    expected = assess(scenario.questions[0], scenario.persona, [(turn["prompt_id"], turn["answer"])])
    signal = report["questions"][0]["signals"][0]
    assert signal["shown"] == expected.results[0].shown, (text, signal)
    assert all(e["quote"] in turn["answer"] for e in signal["evidence"])
    session = next((voicemock_home / "sessions").iterdir())
    assert (session / "audio" / "why.answer.wav").stat().st_size > 16000 * 2 * 3  # > 3 s of audio kept
    # half duplex: the persona's question was played (there is an output device here) before recording
    journal = (session / "journal.jsonl").read_text()
    assert '"question_audio"' in journal
