"""Test helpers for live audio: a private PulseAudio null sink, espeak-ng speech, word error rate.

``PulseServer`` starts its own ``pulseaudio`` (in a temporary HOME/XDG_RUNTIME_DIR, with a config of its
own so nothing on the host is touched), loads a null sink ``vspk`` whose monitor is the default source,
and stops the daemon by PID. Playing a WAV into ``vspk`` (``paplay -d vspk``) makes it audible to anything
recording from ALSA device ``pulse`` (libasound2-plugins): the real PortAudio path, no hardware.
Works as root (pulseaudio only warns) because the daemon is started with ``-n -F <config>`` and
``--use-pid-file=no`` rather than relying on the system's default.pa and autospawn.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from voicemock import audio

PULSE_BINARIES = ("pulseaudio", "pactl", "paplay", "parec")

#: About 300 words of a product-manager interview answer, with sentence pauses (for chunking tests).
LONG_ANSWER = (
    "When I joined the payments team, our checkout conversion had been flat for three quarters. "
    "I started by talking to twelve merchants and reading two hundred support tickets. "
    "The pattern was clear: buyers abandoned the form when we asked for a billing address. "
    "So I wrote a one page proposal to remove that field for low risk orders. "
    "The risk team pushed back, because they worried about fraud. "
    "Instead of arguing, I asked them which metric would convince them. "
    "We agreed on the chargeback rate, measured over four weeks, with a ten percent holdout. "
    "Engineering estimated two sprints, but we cut scope to one by reusing the address service. "
    "During the experiment, conversion rose by four percent, and chargebacks did not move. "
    "We rolled it out to every market except two, where regulation requires the address. "
    "Looking back, the hardest part was not the design but the trust between teams. "
    "I learned to bring the skeptics in early and let them define what success means. "
    "If I did it again, I would instrument the funnel before the project, not during it. "
    "We lost a week rebuilding dashboards that should have existed already. "
    "The next quarter, we applied the same approach to the refund flow. "
    "Support tickets about refunds dropped by a third, and the team now runs experiments every month. "
    "For me, the lesson is that good product work starts with evidence, "
    "then a small bet, then a clear measure agreed in advance. "
    "I also try to write down the decision and the reasons, so the next person can see why we chose it. "
    "That habit saved us later, when a new director asked why the field was missing. "
    "We could show the data, the trade off, and the plan to revisit it in a year. "
    "That is how I like to work with engineering, design and risk partners."
)


def synthesize(text: str, dest: Path, *, voice: str = "en-us", speed: int = 160) -> Path:
    """Speak ``text`` with espeak-ng into ``dest`` as a 16 kHz mono WAV (espeak writes 22.05 kHz)."""
    raw = dest.with_name(dest.stem + ".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
    samples, rate = audio.read_wav(raw)
    raw.unlink()
    return audio.write_wav(dest, audio.resample(samples, rate))


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation; numbers and hyphenated words split like Whisper tends to."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("-", " "))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate (substitutions + insertions + deletions over reference words)."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / max(1, len(ref))


def require_pulse() -> None:
    """Skip (non-root developer machine) or fail (root/CI: setup installs them) without the binaries."""
    missing = [b for b in PULSE_BINARIES if shutil.which(b) is None]
    plugin = any(
        Path(d, "libasound_module_pcm_pulse.so").exists()
        for d in (
            "/usr/lib/x86_64-linux-gnu/alsa-lib",
            "/usr/lib/aarch64-linux-gnu/alsa-lib",
            "/usr/lib/alsa-lib",
        )
    )
    if not plugin:
        missing.append("libasound2-plugins (ALSA 'pulse' device)")
    if not missing:
        return
    message = (
        f"missing {', '.join(missing)}: sudo apt-get install pulseaudio pulseaudio-utils libasound2-plugins"
    )
    if os.geteuid() == 0 or os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


class PulseServer:
    """A private PulseAudio daemon with null sink ``vspk`` (default sink; its monitor is the default source)."""

    def __init__(self, root: Path, speaker_sink: str | None = None) -> None:
        self.root = root
        self.speaker_sink = speaker_sink
        """When set, a second null sink that is the default output (the persona's voice goes there, not into
        the microphone): ``vspk`` then only carries what is played into the microphone."""
        self.home = root / "home"
        self.runtime = root / "run"
        self.socket = self.runtime / "pulse" / "native"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / "pulseaudio.log"

    @property
    def env(self) -> dict[str, str]:
        """Variables that point clients (pactl, paplay, the ALSA pulse plugin) at this daemon only."""
        return {
            "HOME": str(self.home),
            "XDG_RUNTIME_DIR": str(self.runtime),
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(self.root / "client.conf"),
        }

    def start(self, timeout: float = 15.0) -> PulseServer:
        require_pulse()
        self.home.mkdir(parents=True, exist_ok=True)
        (self.runtime / "pulse").mkdir(parents=True, exist_ok=True)
        self.runtime.chmod(0o700)
        (self.root / "client.conf").write_text("autospawn = no\n")
        config = self.root / "default.pa"
        config.write_text(
            f"load-module module-native-protocol-unix auth-anonymous=1 socket={self.socket}\n"
            "load-module module-null-sink sink_name=vspk rate=48000\n"
            + (
                f"load-module module-null-sink sink_name={self.speaker_sink} rate=48000\n"
                f"set-default-sink {self.speaker_sink}\n"
                if self.speaker_sink
                else "set-default-sink vspk\n"
            )
            + "set-default-source vspk.monitor\n"
        )
        env = {**os.environ, **self.env}
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    "pulseaudio",
                    "--daemonize=no",
                    "--exit-idle-time=-1",
                    "--disallow-exit",
                    "--use-pid-file=no",
                    "--disable-shm",  # no shared-memory segments left behind by a killed test
                    "-n",
                    "-F",
                    str(config),
                    "--log-target=stderr",
                ],
                env=env,
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            ok = subprocess.run(["pactl", "info"], env=env, capture_output=True, timeout=5).returncode == 0
            if ok:
                return self
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"pulseaudio did not start; log:\n{self.log.read_text(errors='replace')[-2000:]}")

    def record(self, source: str) -> subprocess.Popen[bytes]:
        """Record ``source`` (e.g. ``vspk.monitor``) as raw float32 16 kHz mono on the result's stdout, with
        a 10 ms latency target (for timing what was heard and said)."""
        return subprocess.Popen(
            [
                "parec",
                "-d",
                source,
                "--raw",
                "--format=float32le",
                "--rate=16000",
                "--channels=1",
                "--latency-msec=10",
            ],
            env={**os.environ, **self.env},
            stdout=subprocess.PIPE,
        )

    def play(self, wav: Path) -> subprocess.Popen[bytes]:
        """Start playing ``wav`` into the null sink (returns at once; ``wait()`` on the result)."""
        return subprocess.Popen(["paplay", "-d", "vspk", str(wav)], env={**os.environ, **self.env})

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)


def silence(seconds: float) -> audio.Samples:
    return np.zeros(int(seconds * 16_000), dtype=np.float32)


@contextlib.contextmanager
def pulse_session(root: Path, speaker_sink: str | None = None) -> Iterator[PulseServer]:
    """A running private PulseAudio server, with this process pointed at it (for PortAudio's ALSA pulse
    plugin) and the device list refreshed; everything restored afterwards."""
    from voicemock.backends import devices

    server = PulseServer(root, speaker_sink).start()
    saved = {k: os.environ.get(k) for k in server.env}
    os.environ.update(server.env)  # the ALSA pulse plugin reads these when a stream opens
    devices.refresh()  # PortAudio lists ALSA's "pulse" device only if a server answered at start-up
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()
        devices.refresh()
