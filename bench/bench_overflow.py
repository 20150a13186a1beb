"""Real-time safety: input overflow flags while recording through PulseAudio and transcribing in parallel.

Starts a private PulseAudio null sink, plays espeak-ng speech into it in a loop, records from ALSA device
"pulse" with the real MicrophoneRecorder while IncrementalTranscriber transcribes chunks in the
background, and counts PortAudio input-overflow flags. Goal: 0. Runtime is about --seconds plus ~15 s.

    .venv/bin/python bench/bench_overflow.py [--seconds 180]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pulse import LONG_ANSWER, pulse_session, synthesize
from voicemock import audio
from voicemock.backends.incremental import IncrementalTranscriber
from voicemock.backends.microphone import MicrophoneRecorder
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.config import AudioSettings
from voicemock.models import Prompt, PromptKind
from voicemock.protocols import LiveWiring


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="length of the recording")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with pulse_session(root / "pulse") as server:  # also restores the environment afterwards
            speech = synthesize(LONG_ANSWER, root / "speech.wav")
            whisper = WhisperTranscriber()
            whisper.load()
            inc = IncrementalTranscriber(whisper)
            recorder = MicrophoneRecorder(AudioSettings(input_device="pulse"))
            recorder.connect(LiveWiring(transcriber=inc))
            stop = threading.Event()

            def speak() -> None:
                while not stop.is_set():
                    player = server.play(speech)
                    while player.poll() is None and not stop.is_set():
                        time.sleep(0.1)
                    player.terminate()

            threading.Thread(target=speak, daemon=True).start()
            threading.Timer(args.seconds, recorder.finish).start()
            prompt = Prompt("q1", "q1", PromptKind.QUESTION, "?", int(args.seconds) + 60, 1)
            started = time.perf_counter()
            answer = recorder.record(prompt, root / "answer.wav")
            stop.set()
            end = time.perf_counter()
            transcript = inc.transcribe(Path(answer.audio_path or ""))
            tail = time.perf_counter() - end
            recorded = audio.duration(Path(answer.audio_path or ""))
    print(f"recorded {recorded:.1f} s in {end - started:.1f} s wall, ended_by={answer.ended_by}")
    print(f"chunks transcribed in parallel: {inc.chunks_transcribed}, words: {len(transcript.words)}")
    print(f"final text {tail:.2f} s after the end of recording")
    print(
        f"input overflow flags: {recorder.overflows}  (goal 0)  -> {'met' if recorder.overflows == 0 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
