"""Whisper on a GPU (``whisper.device = "cuda"``), with a CTranslate2 model directory of the user's choice.

Skipped, saying why, on a machine without a CUDA GPU that CTranslate2 can use (this project's development
machines and CI have none). Set VOICEMOCK_TEST_WHISPER_MODEL to a larger CTranslate2 Whisper directory
(e.g. faster-whisper small.en) to check that one too; the bundled tiny.en is used otherwise.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from conftest import speak_to_wav, wer
from voicemock.backends.whisper import WhisperTranscriber, bundled_model_path
from voicemock.config import WhisperSettings
from voicemock.errors import TranscriberError


def _cuda_devices() -> int:
    try:
        import ctranslate2
    except ImportError:
        return 0
    try:
        return int(ctranslate2.get_cuda_device_count())
    except Exception:  # a CTranslate2 built without CUDA, or no driver
        return 0


needs_gpu = pytest.mark.skipif(
    _cuda_devices() == 0,
    reason="no CUDA GPU: CTranslate2 sees 0 CUDA devices here (whisper.device = 'cuda' needs an NVIDIA GPU, "
    "CUDA 12 and cuDNN 9)",
)


@needs_gpu
def test_whisper_on_the_gpu_transcribes(tmp_path: Path) -> None:
    model = os.environ.get("VOICEMOCK_TEST_WHISPER_MODEL") or bundled_model_path()
    settings = WhisperSettings(model=model, device="cuda", compute_type="float16")
    transcriber = WhisperTranscriber(settings)
    assert transcriber.name.endswith("(cuda)")
    spoken = "We measured the approval rate and the chargeback rate for three weeks before launch."
    transcript = transcriber.transcribe(speak_to_wav(spoken, tmp_path / "a.wav"))
    assert wer(spoken, transcript.text) < 0.3, transcript.text
    assert transcript.words


@pytest.mark.skipif(_cuda_devices() > 0, reason="this machine has a GPU: the failure path cannot be shown")
def test_cuda_without_a_gpu_is_a_clear_error() -> None:
    transcriber = WhisperTranscriber(WhisperSettings(device="cuda", compute_type="float16"))
    with pytest.raises(TranscriberError) as caught:
        transcriber.load()
    assert "on the GPU" in caught.value.message
    assert caught.value.fix and 'whisper.device = "cpu"' in caught.value.fix
