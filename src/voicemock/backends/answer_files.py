"""Answers from files: a directory of audio (WAV/FLAC/MP3/OGG/M4A) or ``.txt`` typed answers.

Naming: ``<n>.<ext>`` answers question n; ``<n>-<k>.<ext>`` answers its k-th follow-up (``q1.wav``,
``1_2.txt`` and ``01-1.flac`` work too). Audio is decoded with PyAV (shipped with faster-whisper),
downmixed and resampled to the program's 16 kHz mono format and written to the session, streaming, so a
20-minute file never sits in memory whole; anything beyond ``max_seconds`` is cut with a notice.

Damaged files are told apart, each in one line: a file that cannot be decoded at all is an ``AudioError``;
one that breaks off part-way (a download cut short, a header that promises more than the file holds) is
used as far as it goes, with a notice saying how much of it that was. A full disk while the decoded copy is
written is a ``DiskFullError`` and leaves no half-written copy behind.
"""

from __future__ import annotations

import contextlib
import re
import wave
from pathlib import Path

from voicemock import diskspace
from voicemock.audio import WavAppender
from voicemock.errors import AudioError, NoAnswerAvailable, VoicemockError
from voicemock.models import SAMPLE_RATE, Prompt, RecordedAnswer

AUDIO_EXTS = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm"}
TEXT_EXTS = {".txt", ".md"}
_NAME = re.compile(
    r"^(?:q|question)?0*(\d+)(?:[-_.](?:f|followup|follow-up)?0*(\d+))?(?:[-_. ].*)?$", re.IGNORECASE
)


SHORT_BY = 0.05
"""A file whose decoded audio falls this far (5%) short of the duration its header states is called cut
short, with a notice."""


class NoAnswerFiles(VoicemockError):
    """The answer directory holds no file named like an answer."""


def index_answers(directory: Path, *, require_files: bool = True) -> dict[tuple[int, int], Path]:
    """Map (question number, follow-up index) to a file; raise a clear error for unusable directories
    (and, with ``require_files``, for one with no answer files in it)."""
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
    if not found and require_files:
        raise NoAnswerFiles(
            f"no answer files in {directory}",
            fix="name them 1.wav (question 1), 1-1.wav (its first follow-up), 2.txt (typed answer), ...",
        )
    return found


class AnswerFilesRecorder:
    """A Recorder that plays back prepared answers, matched to prompts by question and follow-up number."""

    def __init__(self, directory: Path, max_seconds: float = 900, *, require_files: bool = True) -> None:
        self.directory = directory
        self.files = index_answers(directory, require_files=require_files)
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
        decoded = decode_to_wav(path, dest, self.max_seconds)
        return RecordedAnswer(
            source=f"audio file {path.name}", audio_path=str(dest), ended_by="file", notes=decoded.notes
        )


class Decoded:
    """What ``decode_to_wav`` wrote: seconds of audio, and notices about what was not used."""

    def __init__(self, seconds: float, notes: tuple[str, ...] = ()) -> None:
        self.seconds = seconds
        self.notes = notes


def decode_to_wav(src: Path, dest: Path, max_seconds: float) -> Decoded:
    """Decode any audio file to a 16 kHz mono 16-bit WAV, streaming; say what of it could not be used."""
    try:
        import av
        import numpy as np
    except ImportError as exc:  # pragma: no cover - av ships with faster-whisper
        raise AudioError(f"cannot decode audio files: {exc}") from None
    limit = int(max_seconds * SAMPLE_RATE)
    cut = False
    broke: str | None = None
    stated: float | None = None
    with diskspace.guard(dest, cleanup=dest):
        out = WavAppender(dest)
        try:
            try:
                container = av.open(str(src), metadata_errors="ignore")
            except Exception:
                raise _undecodable(src) from None
            with container:
                if not container.streams.audio:
                    raise AudioError(f"{src.name} has no audio track")
                stream = container.streams.audio[0]
                stated = _wav_header_seconds(src) or _stated_seconds(container, stream)
                resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
                try:
                    for frame in container.decode(stream):
                        for chunk in resampler.resample(frame):
                            data = chunk.to_ndarray().reshape(-1).astype(np.float32) / 32768.0
                            room = limit - out.frames
                            if len(data) > room:
                                data, cut = data[:room], True
                            if len(data):
                                out.append(data)
                            if cut:
                                break
                        if cut:
                            break
                except OSError as exc:
                    if diskspace.is_full(exc):
                        raise
                    broke = type(exc).__name__
                except Exception as exc:  # av.error.* part-way through: keep what decoded
                    broke = type(exc).__name__
        except AudioError:
            out.close()
            with contextlib.suppress(OSError):
                dest.unlink()  # nothing usable: no empty copy left in the session
            raise
        finally:
            out.close()
    if out.frames == 0:
        with contextlib.suppress(OSError):
            dest.unlink()
        if broke is not None:
            raise _undecodable(src)
        raise AudioError(f"{src.name} holds no audio samples")
    got = out.frames / SAMPLE_RATE
    notes: list[str] = []
    if cut:
        notes.append(f"{src.name} is longer than {_span(max_seconds)}; only the first {_span(max_seconds)} were used")
    elif broke is not None:
        notes.append(f"{src.name} is damaged after {_span(got)}; only that part was used")
    elif stated is not None and got < stated * (1 - SHORT_BY):
        notes.append(
            f"{src.name} looks cut short: it says {_span(stated)}, but holds only {_span(got)} of audio; "
            "only that part was used"
        )
    return Decoded(got, tuple(notes))


def _undecodable(src: Path) -> AudioError:
    kind = src.suffix.lstrip(".").upper() or "audio"
    return AudioError(
        f"{src.name}: cannot decode this file (damaged, or not really {kind})",
        fix="convert it to WAV, e.g. 'sox in.mp3 -r 16000 -c 1 out.wav'",
    )


def _wav_header_seconds(src: Path) -> float | None:
    """What a WAV's header says its length is (PyAV goes by the file's size, so it cannot tell a WAV that
    was cut short)."""
    if src.suffix.lower() != ".wav":
        return None
    try:
        with wave.open(str(src), "rb") as w:
            return w.getnframes() / float(w.getframerate()) if w.getframerate() else None
    except (wave.Error, EOFError, OSError):
        return None


def _stated_seconds(container: object, stream: object) -> float | None:
    """The duration the file's header states, if it states one."""
    duration = getattr(stream, "duration", None)
    base = getattr(stream, "time_base", None)
    if duration and base:
        return float(duration * base)
    total = getattr(container, "duration", None)  # in microseconds (AV_TIME_BASE)
    return float(total) / 1_000_000 if total else None


def _span(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min" if seconds % 60 < 1 else f"{seconds / 60:.1f} min"
