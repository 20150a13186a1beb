"""Voice to voice: from the end of the candidate's speech to the persona's next words, through the real
microphone path, plus turn-taking accuracy. Runs in real time (about 10 minutes).

Part 1, live (hands-free mode, scripted coach, espeak-ng voice): a private PulseAudio server has two null
sinks, one whose monitor is the microphone (the answers are played into it with ``paplay``) and one where the
persona's voice goes (``SoundDevicePlayer`` on the default output). ``parec`` records both monitors; for each
turn the figure is from the last voiced sample of the answer (as heard on the microphone sink) to the first
sample of the persona's next prompt (on the output sink), both timed by the same clock. The answers are
natural speech: the held-out Piper answers (``bench/voice/answers.jsonl``, set "heldout") and the human
voice recordings of alsa-utils, or your files (``--answer``). Prints:

    voice-to-voice p50 X.XX s p90 Y.YY s      (goal: p50 <= 1.2 s, p90 <= 2.0 s on 2 cores)
    tail p50 ... s                             (final text after the end of speech; goal <= 1.0 s)
    WER streamed vs whole-file transcription of the same recorded audio (goal: within 0.01)

Part 2, turn-taking accuracy on the held-out answers with inserted thinking pauses of 1-4 s, mid-sentence
and at sentence ends: the same ``TurnTaker``, Silero VAD, Smart Turn and streaming Whisper speculation as
live, fed faster than real time (every decision counts audio samples, not wall time, so it is the same).
Counts premature ends (the turn ended before the true end; goal 0 mid-sentence) and late ends (more than
1.5 s after the true end). ``--set tune`` shows the figures on the set the thresholds were tuned on.

    .venv/bin/python bench/bench_voice.py [--turns N] [--answer FILE ...] [--set heldout|tune] [--skip-live]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from bench.voice_data import Case, file_case, human_cases, piper_cases  # noqa: E402

from pulse import pulse_session, wer  # noqa: E402
from voicemock import audio  # noqa: E402
from voicemock.models import SAMPLE_RATE  # noqa: E402

VOICED_DB = -45.0


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


# -- timing what is heard on a PulseAudio monitor ---------------------------------------------------------


class Tap:
    """``parec`` on a monitor source: every chunk with its arrival time, so a sample index maps to a time."""

    def __init__(self, server: Any, source: str) -> None:
        self.proc = server.record(source)
        self.chunks: list[tuple[float, np.ndarray]] = []
        self.total = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        while True:
            data = (
                self.proc.stdout.read1(640)
                if hasattr(self.proc.stdout, "read1")
                else self.proc.stdout.read(640)
            )
            if not data:
                return
            now = time.monotonic()
            samples = np.frombuffer(data[: len(data) // 4 * 4], dtype="<f4").astype(np.float32)
            with self._lock:
                self.chunks.append((now, samples))
                self.total += len(samples)

    def position(self) -> int:
        with self._lock:
            return self.total

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=5)

    def timeline(self) -> tuple[np.ndarray, np.ndarray]:
        """(samples, time of each sample): a sample arrived at its chunk's time minus what followed it."""
        with self._lock:
            chunks = list(self.chunks)
        samples = np.concatenate([c for _t, c in chunks]) if chunks else np.zeros(0, np.float32)
        times = (
            np.concatenate([t - (len(c) - 1 - np.arange(len(c))) / SAMPLE_RATE for t, c in chunks])
            if chunks
            else np.zeros(0)
        )
        return samples, times


def voiced_frames(samples: np.ndarray, frame: int = SAMPLE_RATE // 100) -> np.ndarray:
    n = len(samples) // frame
    blocks = samples[: n * frame].reshape(n, frame).astype(np.float64)
    db = 20 * np.log10(np.sqrt(np.mean(blocks * blocks, axis=1)) + 1e-12)
    return db > VOICED_DB


# -- part 1: live -----------------------------------------------------------------------------------------


@dataclass
class TurnResult:
    case: Case
    played_at: float
    listening_at: float
    transcribed_at: float | None = None
    text: str | None = None
    audio_path: str | None = None
    v2v: float | None = None
    tail: float | None = None
    how: str = ""
    """How the turn ended and whether the speculative tail was used (for reading the figures)."""


def live(cases: list[Case], tmp: Path) -> list[TurnResult]:
    from voicemock import backends
    from voicemock.config import Settings
    from voicemock.scenario import ScenarioSet
    from voicemock.session import Event, Rehearsal
    from voicemock.store import SessionStore

    os.environ["VOICEMOCK_HOME"] = str(tmp / "home")
    results: list[TurnResult] = []
    with pulse_session(tmp / "pulse", speaker_sink="vout") as server:
        mic = Tap(server, "vspk.monitor")
        out = Tap(server, "vout.monitor")
        settings = Settings()
        settings.audio.input_device = "pulse"
        settings.audio.end_mode = "hands-free"
        settings.speech.output_device = "pulse"
        queue_ = list(cases)
        state: dict[str, Any] = {}
        lock = threading.Lock()

        def play_next() -> None:
            with lock:
                if not queue_:
                    return
                case = queue_.pop(0)
            wav = tmp / f"{case.id}.wav"
            audio.write_wav(wav, case.samples)
            time.sleep(0.4)
            result = TurnResult(case, time.monotonic(), state["listening_at"])
            results.append(result)
            server.play(wav).wait()

        class Timed(Rehearsal):
            def transcribe(self, prompt: Any, recorded: Any) -> Any:
                outcome = super().transcribe(prompt, recorded)
                if results:
                    r = results[-1]
                    r.transcribed_at = time.monotonic()
                    r.text = outcome.transcript.text if outcome.transcript else None
                    r.audio_path = recorded.audio_path
                    live_turn = self._live
                    if live_turn is not None and live_turn.turns is not None and live_turn.turns.ended:
                        end = live_turn.turns.ended
                        reused = getattr(live_turn.streaming, "tail_reused", False)
                        hit = outcome.transcript is not None and live_turn.speculated(outcome.transcript)
                        r.how = (
                            f"{end.reason} after {(end.at - end.speech_end) / SAMPLE_RATE:.2f} s, "
                            f"tail {'reused' if reused else 'transcribed'}, follow-up {'ready' if hit else 'not ready'}"
                        )
                return outcome

        def listener(event: Event) -> None:
            if event.kind == "phase" and event.text == "listening":
                state["listening_at"] = time.monotonic()
                threading.Thread(target=play_next, daemon=True).start()

        from voicemock import paths

        scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
        store = SessionStore()
        for scenario_id in (
            "fraud-success-metrics",
            "text-to-image-feature",
            "ml-deep-dive",
            "recruiter-screen",
        ):
            if not queue_:
                break
            chosen = backends.build(settings)
            assert chosen.streaming is not None and chosen.vad is not None
            rehearsal = Timed.begin(scenarios.get(scenario_id), chosen, store, listener)
            state["rehearsal"] = rehearsal
            rehearsal.wait_loaded()
            prompt = rehearsal.current
            while prompt is not None and queue_:
                rehearsal.speak(prompt)
                prompt = rehearsal.answer(prompt)
            if prompt is not None:
                rehearsal.speak(prompt)  # the last follow-up is measured too
            time.sleep(0.5)
        time.sleep(1.0)
        mic_samples, mic_times = mic.timeline()
        out_samples, out_times = out.timeline()
        mic.stop()
        out.stop()
    frame = SAMPLE_RATE // 100
    mic_voiced = voiced_frames(mic_samples)
    out_voiced = voiced_frames(out_samples)
    for r in results:
        # the answer as heard on the microphone sink: voiced frames after it began playing
        start = int(np.searchsorted(mic_times[::frame], r.played_at))
        voiced = np.nonzero(mic_voiced[start:])[0]
        if not len(voiced):
            continue
        # the answer's own length bounds its last voiced frame (later sound would be the next answer)
        limit = start + int(len(r.case.samples) / frame) + 50
        idx = [v + start for v in voiced if v + start < limit]
        if not idx:
            continue
        t_end = float(mic_times[min(len(mic_times) - 1, (idx[-1] + 1) * frame - 1)])
        o = int(np.searchsorted(out_times[::frame], t_end))
        following = np.nonzero(out_voiced[o:])[0]
        if len(following):
            r.v2v = float(out_times[(following[0] + o) * frame]) - t_end
        if r.transcribed_at is not None:
            r.tail = r.transcribed_at - t_end
    return results


# -- part 2: turn-taking accuracy -------------------------------------------------------------------------


def accuracy(cases: list[Case]) -> list[tuple[Case, Any]]:
    """Replay each case through the live turn pipeline's parts (no audio device): TurnTaker with Silero VAD,
    Smart Turn, and the streaming transcriber's speculation reviewing each pause's words."""
    from voicemock.backends.incremental import IncrementalTranscriber
    from voicemock.backends.smart_turn import SmartTurnDetector
    from voicemock.backends.vad import SileroVAD
    from voicemock.backends.whisper import WhisperTranscriber
    from voicemock.config import AudioSettings
    from voicemock.live_turn import policy_from
    from voicemock.turns import TurnTaker

    whisper = WhisperTranscriber()
    whisper.load()
    detector = SmartTurnDetector()
    vad = SileroVAD()
    out = []
    for case in cases:
        inc = IncrementalTranscriber(whisper)
        inc.begin(None)
        holder: list[TurnTaker] = []

        def on_pause(pause: Any, inc: IncrementalTranscriber = inc, holder: list[TurnTaker] = holder) -> None:
            spec = inc.speculate()  # blocking here is fine: decisions count samples, not seconds
            if spec is not None:
                holder[0].review(pause.index, spec.text)
            else:
                holder[0].clear(pause.index)

        taker = TurnTaker(
            policy_from(AudioSettings()),
            vad.fresh(),
            detector,
            needs_clearance=True,
            on_pause=on_pause,
            on_resume=lambda pause, inc=inc: inc.resumed(),
        )
        holder.append(taker)
        end = None
        block = SAMPLE_RATE // 20
        samples = np.concatenate([case.samples, np.zeros(12 * SAMPLE_RATE, np.float32)])
        for i in range(0, len(samples), block):
            inc.feed(samples[i : i + block])
            end = taker.push(samples[i : i + block])
            if end is not None:
                break
        inc.cancel()
        out.append((case, end))
    return out


def report_accuracy(rows: list[tuple[Case, Any]], label: str) -> None:
    kinds: dict[str, dict[str, int]] = {}
    delays: list[float] = []
    for case, end in rows:
        k = kinds.setdefault(case.kind, {"n": 0, "premature": 0, "at_pause": 0, "late": 0})
        k["n"] += 1
        if end is None:
            k["late"] += 1
            continue
        if end.at < case.true_end:
            k["premature"] += 1
            if any(a - 1600 <= end.speech_end <= a + n for a, n in case.pauses):
                k["at_pause"] += 1
        else:
            delay = (end.at - case.true_end) / SAMPLE_RATE
            delays.append(delay)
            if delay > 1.5:
                k["late"] += 1
    print(f"turn-taking on {label} ({len(rows)} answers; premature = ended before the true end):")
    for kind, k in kinds.items():
        extra = f" ({k['at_pause']} at the inserted pause)" if kind in ("mid", "sentence") else ""
        print(
            f"  {kind:9s} {k['n']:3d} answers: premature {k['premature']}{extra}, late (> 1.5 s) {k['late']}"
        )
    mid = kinds.get("mid", {}).get("at_pause", 0)
    print(f"  mid-sentence premature ends at the thinking pause: {mid} (goal 0)")
    if delays:
        print(f"  end decided after the true end: p50 {pct(delays, 50):.2f} s p90 {pct(delays, 90):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--answer", action="append", type=Path, default=[], help="16 kHz mono WAV/FLAC (repeat)"
    )
    parser.add_argument("--turns", type=int, default=0, help="live turns (default: all natural answers)")
    parser.add_argument("--set", default="heldout", choices=("heldout", "tune"), help="labelled set")
    parser.add_argument("--skip-live", action="store_true", help="only the turn-taking accuracy")
    parser.add_argument("--skip-accuracy", action="store_true", help="only the live figures")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min average; 2 cores shared with other work)")
    if args.answer:
        natural = [file_case(p) for p in args.answer]
        labelled: list[Case] = []
    else:
        everything = piper_cases(args.set)
        natural = [c for c in everything if c.kind == "natural"] + human_cases()
        labelled = everything + human_cases()
    if args.turns:
        natural = natural[: args.turns]
    if not args.skip_live:
        with tempfile.TemporaryDirectory() as tmp:
            results = live(natural, Path(tmp))
            whole_errors = []
            from voicemock.backends.whisper import WhisperTranscriber

            whisper = WhisperTranscriber()
            rows = []
            for r in results:
                if r.audio_path and r.text is not None and Path(r.audio_path).is_file():
                    t0 = time.perf_counter()
                    whole = whisper.transcribe(Path(r.audio_path)).text
                    whole_s = time.perf_counter() - t0
                    rows.append((r, whole, whole_s))
            v2v = [r.v2v for r in results if r.v2v is not None]
            tails = [r.tail for r in results if r.tail is not None]
            print(
                f"live turns: {len(results)} played, {len(v2v)} timed (natural speech: Piper held-out + human)"
            )
            print(
                f"voice-to-voice p50 {pct(v2v, 50):.2f} s p90 {pct(v2v, 90):.2f} s   (goal p50 <= 1.2 s, p90 <= 2.0 s)"
            )
            whole_times = [w for _r, _t, w in rows]
            print(
                f"tail p50 {pct(tails, 50):.2f} s p90 {pct(tails, 90):.2f} s   (goal <= 1.0 s; whole-file "
                f"transcription of the same answers takes p50 {pct(whole_times, 50):.2f} s: ratio "
                f"{pct(tails, 50) / max(1e-9, pct(whole_times, 50)):.2f})"
            )
            refs = [(r.case.text, r.text or "", whole) for r, whole, _s in rows if r.case.text]
            if refs:
                n = sum(len(ref.split()) for ref, _s, _w in refs)
                w_stream = sum(wer(ref, s) * len(ref.split()) for ref, s, _w in refs) / n
                w_whole = sum(wer(ref, w) * len(ref.split()) for ref, _s, w in refs) / n
                print(
                    f"WER streamed {w_stream:.3f}, whole-file {w_whole:.3f} (same recorded audio; goal within 0.01)"
                )
            both = [(r.text or "", whole) for r, whole, _s in rows]
            if both:
                print(
                    "streamed text vs whole-file text (WER between them): "
                    f"{statistics.mean(wer(w, s) for s, w in both):.3f}"
                )
            for r in results:
                print(
                    f"  {r.case.id:22s} v2v {r.v2v if r.v2v is not None else float('nan'):5.2f} s  "
                    f"tail {r.tail if r.tail is not None else float('nan'):5.2f} s  {r.how}"
                )
            del whole_errors
    if not args.skip_accuracy and labelled:
        report_accuracy(
            accuracy(labelled), f"the {args.set} set" + (" (TUNING SET)" if args.set == "tune" else "")
        )
    elif not args.skip_accuracy and args.answer:
        report_accuracy(accuracy(natural), "your answers (natural turns)")
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
