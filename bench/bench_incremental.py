"""End of speech to final transcript for a ~2-minute spoken answer: incremental vs whole-file, same run.

The answer (espeak-ng, ~300 words) is fed to IncrementalTranscriber in 50 ms blocks at real-time pace
(as the microphone would), then the clock starts at the end of speech. Whole-file transcription of the
same WAV is the baseline. Goals: final text <= 1.5 s after the end of speech, and < 0.25x whole-file.

    .venv/bin/python bench/bench_incremental.py [--pace 1.0]   (--pace 0 feeds as fast as possible)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pulse import LONG_ANSWER, synthesize, wer
from voicemock import audio
from voicemock.backends.incremental import IncrementalTranscriber
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.models import SAMPLE_RATE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pace", type=float, default=1.0, help="1.0 = real time; 0 = no waiting")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wav = synthesize(LONG_ANSWER, Path(tmp) / "answer.wav", speed=145)  # about 2 minutes
        samples, _ = audio.read_wav(wav)
        seconds = len(samples) / SAMPLE_RATE
        whisper = WhisperTranscriber()
        whisper.load()

        t0 = time.perf_counter()
        whole = whisper.transcribe(wav)
        whole_s = time.perf_counter() - t0

        inc = IncrementalTranscriber(whisper)
        inc.begin(wav)
        block = SAMPLE_RATE // 20
        start = time.perf_counter()
        for i in range(0, len(samples), block):
            inc.feed(samples[i : i + block])
            if args.pace > 0:
                delay = start + (i + block) / SAMPLE_RATE * args.pace - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
        t0 = time.perf_counter()
        result = inc.transcribe(wav)
        tail_s = time.perf_counter() - t0

    print(f"answer: {seconds:.1f} s of speech, {len(whole.text.split())} words")
    print(
        f"whole-file transcription:       {whole_s:6.2f} s   WER vs script {wer(LONG_ANSWER, whole.text):.3f}"
    )
    print(
        f"incremental, end of speech to final text: {tail_s:5.2f} s   chunks {inc.chunks_transcribed}"
        f"   WER vs script {wer(LONG_ANSWER, result.text):.3f}, vs whole-file text {wer(whole.text, result.text):.3f}"
    )
    print(
        f"ratio incremental/whole: {tail_s / whole_s:.3f}  (goal < 0.25)   goal <= 1.5 s: {'met' if tail_s <= 1.5 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
