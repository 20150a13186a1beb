"""A 20-minute answer from a file: time, CPU and peak memory of decoding and transcribing it (issue 13).

Prints figures and ratios; asserts nothing. Each measurement runs in its own process, so its peak memory
(VmHWM) is its own. The speech is espeak-ng reading answers from bench/eval/answers.jsonl and heldout.jsonl
(never used to choose the chunk length, which was picked on 5 answers of blind3.jsonl). Settings are the
defaults, except that ``whisper.max_answer_seconds`` is raised so the whole 20 minutes are transcribed (by
default only the first 15 are, with a notice).

1. The 20-minute answer, as `voicemock run --answers` handles it: decode to the session's WAV, then
   transcribe in chunks with progress. Goals: peak memory <= 600 MB, time <= 0.15x real time on 2 cores.
2. Baselines in the same run: a 14 s answer through the same path (memory every answer pays), and a
   5-minute excerpt transcribed in one whole-file call (the old path) against chunks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from conftest import wer  # noqa: E402

TARGET_SECONDS = 1200

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from voicemock import audio
from voicemock.backends.answer_files import decode_to_wav
from voicemock.backends.whisper import WhisperTranscriber
from voicemock.config import WhisperSettings

src, work, mode, cap = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], float(sys.argv[4])
t = WhisperTranscriber(WhisperSettings(max_answer_seconds=int(cap)))
t.load()
wall0, cpu0 = time.monotonic(), time.process_time()
progress = []
dest = work / f"{mode}.answer.wav"
decode_to_wav(src, dest, cap)
if mode == "whole":  # the old path: one call on the whole answer
    samples, rate = audio.read_wav(dest)
    words, text = t.transcribe_array(audio.resample(samples, rate))
else:
    text = t.transcribe(dest, progress.append).text
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM")][0].split()[1]
print(json.dumps({
    "wall": time.monotonic() - wall0, "cpu": time.process_time() - cpu0, "hwm_mb": int(hwm) / 1024,
    "seconds": audio.duration(dest), "progress": len(progress), "text": text,
}))
"""


def measure(src: Path, work: Path, mode: str, cap: float) -> dict[str, float | str]:
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(src), str(work), mode, str(cap)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")},
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        print(proc.stderr[-3000:])
        raise SystemExit(f"measurement {mode} failed")
    result: dict[str, float | str] = json.loads(lines[-1])
    return result


def synth(texts: list[str], dest: Path) -> Path:
    raw, script = dest.with_suffix(".22k.wav"), dest.with_suffix(".txt")
    script.write_text("\n\n".join(texts), encoding="utf-8")
    subprocess.run(["espeak-ng", "-v", "en-us+m2", "-s", "165", "-f", str(script), "-w", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(dest)], check=True)
    raw.unlink()
    return dest


def main() -> None:
    texts = [
        json.loads(line)["answer"]
        for name in ("answers.jsonl", "heldout.jsonl")
        for line in (ROOT / "bench" / "eval" / name).read_text(encoding="utf-8").splitlines()
    ]
    # about 165 words a minute: enough answers for just over 20 minutes
    chosen, words = [], 0
    for text in texts:
        chosen.append(text)
        words += len(text.split())
        if words > TARGET_SECONDS / 60 * 165 * 1.08:
            break
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        long = synth(chosen, tmp / "long.wav")
        short = synth(chosen[:1], tmp / "short.wav")
        subprocess.run(["sox", str(long), str(tmp / "five.wav"), "trim", "0", "300"], check=True)
        reference = " ".join(chosen)

        r = measure(long, tmp, "chunks", 3600)
        seconds = float(r["seconds"])
        print(f"{seconds / 60:.1f}-minute answer (espeak, {len(reference.split())} words), decoded then transcribed in chunks:")
        print(f"  wall time   : {float(r['wall']):6.1f} s = {float(r['wall']) / seconds:.3f}x real time  (goal <= 0.15x on 2 cores)")
        print(f"  CPU time    : {float(r['cpu']):6.1f} s = {float(r['cpu']) / seconds:.3f}x real time of one core")
        print(f"  peak memory : {float(r['hwm_mb']):6.0f} MB (VmHWM; goal <= 600 MB)")
        print(f"  progress    : {int(r['progress'])} updates;  WER against the script: {wer(reference, str(r['text'])):.3f}")

        b = measure(short, tmp, "chunks", 3600)
        print(f"baseline, a short ({float(b['seconds']):.0f} s) answer through the same path:")
        print(f"  peak memory : {float(b['hwm_mb']):6.0f} MB;  the 20-minute answer takes {float(r['hwm_mb']) / float(b['hwm_mb']):.2f}x that")

        whole = measure(tmp / "five.wav", tmp, "whole", 3600)
        chunks = measure(tmp / "five.wav", tmp, "chunks", 3600)
        print("a 5-minute excerpt, one whole-file call (the old path) against chunks:")
        for name, m in (("whole file", whole), ("chunks", chunks)):
            print(f"  {name:10}: {float(m['wall']):5.1f} s wall, {float(m['cpu']):5.1f} s CPU, {float(m['hwm_mb']):4.0f} MB, {len(str(m['text']).split())} words")
        print(f"  chunks / whole file: {float(chunks['cpu']) / float(whole['cpu']):.2f}x CPU, {float(chunks['hwm_mb']) / float(whole['hwm_mb']):.2f}x memory")
    print(f"(1-minute load average at the start: {load:.1f} on {os.cpu_count()} cores; wall times stretch under load)")


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"bench_long_answer took {time.monotonic() - started:.0f} s")
