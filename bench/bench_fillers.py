"""How many fillers ("um", "uh", "like", "you know") survive Whisper, with and without FILLER_PROMPT.

Speech is synthesized with espeak-ng, which pronounces written fillers literally ("um" as a short
vowel-m, "uh" as a grunt): a rough stand-in for human hesitation, so treat the counts as indicative.
Piper was not tried here (not installed in the dev venv). Prints per-filler counts: spoken vs transcribed.

    .venv/bin/python bench/bench_fillers.py
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pulse import synthesize
from voicemock import audio
from voicemock.backends.whisper import FILLER_PROMPT, WhisperTranscriber

SCRIPT = [
    "Um, so the first thing I did was, uh, talk to our biggest customers.",
    "They were, like, really frustrated with the onboarding, you know, it took two weeks.",
    "Uh, I think the main problem was, um, that nobody owned the checklist.",
    "So, like, we made one person accountable and, you know, tracked it every week.",
    "Um, after a month the time to first value dropped by, uh, about half.",
    "And, you know, the sales team started, like, using it in their demos.",
    "I would, um, probably measure retention earlier next time, uh, if I could.",
    "It was, like, the project I learned the most from, you know.",
]
FILLERS = {
    "um": r"\bu+m+\b|\buhm\b|\bhmm\b",
    "uh": r"\bu+h+\b|\ber+\b",
    "like": r"\blike\b",
    "you know": r"\byou know\b",
}


def count(text: str) -> Counter[str]:
    lowered = text.lower()
    return Counter({name: len(re.findall(pattern, lowered)) for name, pattern in FILLERS.items()})


def main() -> None:
    spoken = count(" ".join(SCRIPT))
    whisper = WhisperTranscriber()
    totals = {"with prompt": Counter[str](), "without prompt": Counter[str]()}
    with tempfile.TemporaryDirectory() as tmp:
        for i, sentence in enumerate(SCRIPT):
            wav = synthesize(sentence, Path(tmp) / f"s{i}.wav")
            samples, _ = audio.read_wav(wav)
            for label, prompt in (("with prompt", FILLER_PROMPT), ("without prompt", "")):
                _words, text = whisper.transcribe_array(samples, prompt=prompt)
                totals[label] += count(text)
                print(f"{label:15s} | {text}")
    print()
    print(f"{'filler':10s} {'spoken':>7s} {'with prompt':>12s} {'without':>8s}")
    for name in FILLERS:
        print(
            f"{name:10s} {spoken[name]:7d} {totals['with prompt'][name]:12d} {totals['without prompt'][name]:8d}"
        )
    all_spoken = sum(spoken.values())
    print(
        f"{'total':10s} {all_spoken:7d} {sum(totals['with prompt'].values()):12d} "
        f"{sum(totals['without prompt'].values()):8d}"
    )


if __name__ == "__main__":
    main()
