"""Answers from files: a directory of audio (WAV/FLAC/MP3/OGG/M4A) or ``.txt`` typed answers.

Naming: ``<n>.<ext>`` answers question n; ``<n>-<k>.<ext>`` answers its k-th follow-up (``q1.wav``,
``1_2.txt`` and ``01-1.flac`` work too). Audio is decoded with PyAV (shipped with faster-whisper),
downmixed and resampled to the program's 16 kHz mono format and written to the session, streaming, so a
20-minute file never sits in memory whole; anything beyond ``max_seconds`` is cut with a notice.
"""

from __future__ import annotations

import re
from pathlib import Path

from voicemock.audio import WavAppender
from voicemock.errors import AudioError, NoAnswerAvailable, VoicemockError
from voicemock.models import SAMPLE_RATE, Prompt, RecordedAnswer

AUDIO_EXTS = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm"}
TEXT_EXTS = {".txt", ".md"}
_NAME = re.compile(
    r"^(?:q|question)?0*(\d+)(?:[-_.](?:f|followup|follow-up)?0*(\d+))?(?:[-_. ].*)?$", re.IGNORECASE
)


def index_answers(directory: Path) -> dict[tuple[int, int], Path]:
    """Map (question number, follow-up index) to a file; raise a clear error for unusable directories."""
    if not directory.is_dir():
        raise VoicemockError(
            f"answer directory not found: {directory}", fix="pass --answers DIR with 1.wav, 1-1.txt, ..."
        )
    found: dict[tuple[int, int], Path] = {}
    for path in sorted(directory.iterdir()):
        ext = path.suffix.lower()
        if ext not in AUDIO_EXTS | TEXT_EXTS or not path.is_file():
            continue
        m = _NAME.match(path.stem)
        if not m:
            continue
        key = (int(m.group(1)), int(m.group(2) or 0))
        found.setdefault(key, path)
    if not found:
        raise VoicemockError(
            f"no answer files in {directory}",
            fix="name them 1.wav (question 1), 1-1.wav (its first follow-up), 2.txt (typed answer), ...",
        )
    return found


class AnswerFilesRecorder:
    """A Recorder that plays back prepared answers, matched to prompts by question and follow-up number."""

    def __init__(self, directory: Path, max_seconds: float = 900) -> None:
        self.directory = directory
        self.files = index_answers(directory)
        self.max_seconds = max_seconds
        self.label = f"answer files in {directory}"

    def missing_questions(self, count: int) -> list[int]:
        return [n for n in range(1, count + 1) if (n, 0) not in self.files]

    def answer_for(self, prompt: Prompt) -> str | None:
        path = self.files.get((prompt.number, prompt.follow_up_index))
        return path.name if path is not None else None

    def record(self, prompt: Prompt, dest: Path) -> RecordedAnswer:
        path = self.files.get((prompt.number, prompt.follow_up_index))
        if path is None:
            what = (
                f"follow-up {prompt.follow_up_index} of question {prompt.number}"
                if prompt.follow_up_index
                else f"question {prompt.number}"
            )
            expected = (
                f"{prompt.number}-{prompt.follow_up_index}" if prompt.follow_up_index else f"{prompt.number}"
            )
            raise NoAnswerAvailable(f"no answer file for {what} (expected {expected}.wav or {expected}.txt)")
        if path.suffix.lower() in TEXT_EXTS:
            try:
                text = path.read_text(encoding="utf-8", errors="replace").strip()
            except OSError as exc:
                raise AudioError(f"cannot read {path.name}: {exc}") from None
            return RecordedAnswer(source=f"text file {path.name}", text=text, ended_by="file")
        _seconds, truncated = decode_to_wav(path, dest, self.max_seconds)
        notes = (
            (f"{path.name} is longer than {self.max_seconds / 60:.0f} min; the rest was not used",)
            if truncated
            else ()
        )
        return RecordedAnswer(
            source=f"audio file {path.name}", audio_path=str(dest), ended_by="file", notes=notes
        )


def decode_to_wav(src: Path, dest: Path, max_seconds: float) -> tuple[float, bool]:
    """Decode any audio file to a 16 kHz mono 16-bit WAV, streaming; return (seconds written, truncated)."""
    try:
        import av
        import numpy as np
    except ImportError as exc:  # pragma: no cover - av ships with faster-whisper
        raise AudioError(f"cannot decode audio files: {exc}") from None
    limit = int(max_seconds * SAMPLE_RATE)
    out = WavAppender(dest)
    truncated = False
    try:
        with av.open(str(src), metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(f"{src.name} has no audio track")
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for chunk in resampler.resample(frame):
                    data = chunk.to_ndarray().reshape(-1).astype(np.float32) / 32768.0
                    room = limit - out.frames
                    if len(data) > room:
                        data = data[:room]
                        truncated = True
                    if len(data):
                        out.append(data)
                    if truncated:
                        break
                if truncated:
                    break
    except AudioError:
        out.close()
        raise
    except Exception as exc:  # av.error.* for corrupt or unsupported files
        out.close()
        raise AudioError(
            f"{src.name}: cannot decode audio ({exc.__class__.__name__}: {exc})",
            fix="convert it to WAV, e.g. 'sox in.mp3 -r 16000 -c 1 out.wav'",
        ) from None
    out.close()
    if out.frames == 0:
        raise AudioError(f"{src.name} holds no audio samples")
    return out.frames / SAMPLE_RATE, truncated
