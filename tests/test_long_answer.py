"""Long and damaged answers: chunked transcription with progress (real Whisper, real speech), and honest
notices for audio that is cut short. The 20-minute figures are in bench/bench_long_answer.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from conftest import ROOT, run_voicemock, speak_to_wav, wer
from voicemock.backends.answer_files import decode_to_wav
from voicemock.backends.whisper import CHUNK_SECONDS, WhisperTranscriber
from voicemock.errors import AudioError

#: Four held-out answers read by espeak: about two and a half minutes, so three chunks.
SCRIPT = " ".join(
    json.loads(line)["answer"] for line in (ROOT / "bench/eval/heldout.jsonl").read_text().splitlines()[:4]
)


@pytest.fixture(scope="module")
def long_answer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return speak_to_wav(SCRIPT, tmp_path_factory.mktemp("long") / "long.wav", rate=165)


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as w:
        return w.getnframes() / w.getframerate()


def _cut(src: Path, dest: Path, keep: float) -> Path:
    """``src`` with only the first ``keep`` share of its bytes: the header still promises the whole."""
    data = src.read_bytes()
    dest.write_bytes(data[: int(len(data) * keep)])
    return dest


@pytest.mark.slow
def test_long_answer_is_transcribed_in_chunks_with_progress(
    long_answer: Path, transcriber: WhisperTranscriber
) -> None:
    duration = _seconds(long_answer)
    assert duration > 2 * CHUNK_SECONDS
    progress: list[float] = []
    transcript = transcriber.transcribe(long_answer, progress.append)
    assert len(progress) >= 3 and progress == sorted(progress) and progress[-1] == 1.0
    assert wer(SCRIPT, transcript.text) < 0.25
    # nothing lost or reordered at the cuts: word times rise, and the words run to the end of the answer
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)
    assert transcript.words[-1].end > duration - 10
    gaps = [b.start - a.end for a, b in zip(transcript.words, transcript.words[1:], strict=False)]
    assert max(gaps) < 5, "a stretch of speech went missing"
    assert transcript.notes == ()


def test_a_short_answer_reports_no_progress(tmp_path: Path, transcriber: WhisperTranscriber) -> None:
    wav = speak_to_wav("I would measure the fraud loss rate first.", tmp_path / "short.wav")
    progress: list[float] = []
    assert "measure" in transcriber.transcribe(wav, progress.append).text.lower()
    assert progress == []


def test_a_wav_cut_short_is_transcribed_as_far_as_it_goes_with_a_notice(
    tmp_path: Path, transcriber: WhisperTranscriber
) -> None:
    whole = speak_to_wav(
        "I would start with the cardholders. Then I would look at the approval rate and the losses.",
        tmp_path / "whole.wav",
    )
    cut = _cut(whole, tmp_path / "cut.wav", 0.5)
    transcript = transcriber.transcribe(cut)
    assert transcript.text.lower().startswith("i would start with")
    (note,) = transcript.notes
    assert note.startswith("cut.wav is cut short: its header says") and "only that part was transcribed" in note


def test_answer_files_cut_short_or_damaged_get_a_notice(tmp_path: Path) -> None:
    wav = speak_to_wav("This answer goes on for a while, and then it is cut off in the middle.", tmp_path / "a.wav")
    flac = tmp_path / "a.flac"
    subprocess.run(["sox", str(wav), str(flac)], check=True)
    cut_wav = decode_to_wav(_cut(wav, tmp_path / "1.wav", 0.4), tmp_path / "o1.wav", 900)
    assert cut_wav.notes and "1.wav looks cut short: it says" in cut_wav.notes[0]
    cut_flac = decode_to_wav(_cut(flac, tmp_path / "2.flac", 0.4), tmp_path / "o2.wav", 900)
    assert cut_flac.notes and cut_flac.notes[0].startswith("2.flac is damaged after")
    assert decode_to_wav(wav, tmp_path / "o3.wav", 900).notes == ()


def test_undecodable_audio_is_one_line_without_library_details(tmp_path: Path) -> None:
    bad = tmp_path / "1.mp3"
    bad.write_bytes(b"ID3\x03\x00" + b"\x00\x01garbage" * 200)
    with pytest.raises(AudioError) as err:
        decode_to_wav(bad, tmp_path / "out.wav", 60)
    assert err.value.message == "1.mp3: cannot decode this file (damaged, or not really MP3)"
    assert not (tmp_path / "out.wav").exists()


@pytest.mark.slow
def test_the_command_shows_progress_for_a_long_answer(
    tmp_path: Path, voicemock_home: Path, long_answer: Path
) -> None:
    answers = tmp_path / "answers"
    answers.mkdir()
    shutil.copy(long_answer, answers / "1.wav")
    args = ("run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", "--no-speech")
    done = run_voicemock(*args, home=voicemock_home, timeout=400)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "... transcribing" in line and "%" in line]
    assert len(lines) >= 3, done.stderr
    assert any("left)" in line for line in lines)  # an estimate of the time left
    assert lines[-1].strip() == "... transcribing 100%"
