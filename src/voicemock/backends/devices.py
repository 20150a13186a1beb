"""Audio devices: is PortAudio there, which devices exist, and which one the user meant.

``sounddevice`` is imported lazily and only here (and in the microphone/playback backends through
``sounddevice_module``): without ``libportaudio2`` its import raises ``OSError``, and PortAudio's start-up
scan makes ALSA print errors straight to the terminal (fd 2, bypassing Python). Both are contained here:
the import happens with fd 2 silenced, and failures become ``AudioError`` with a fix. Call
``check_input`` (``voicemock doctor``) before a full-screen UI starts so nothing scribbles over it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from voicemock.errors import AudioError
from voicemock.models import SAMPLE_RATE

if TYPE_CHECKING:
    from voicemock.config import Settings
    from voicemock.doctor import Check

PORTAUDIO_FIX = "sudo apt-get install libportaudio2 (macOS: brew install portaudio)"
PERMISSION_FIX = "sudo usermod -aG audio $USER, then log out and back in"
NO_INPUT_FIX = (
    "connect a microphone (check `arecord -l`), or answer with files (--answers DIR) or by typing (--typed)"
)


@dataclass(frozen=True)
class DeviceInfo:
    """One PortAudio device as the user sees it in ``voicemock devices``."""

    index: int
    name: str
    inputs: int
    """Input channels (0: not a microphone)."""
    outputs: int
    """Output channels (0: cannot play)."""
    default_rate: float
    """The device's preferred sample rate in Hz."""
    default_input: bool = False
    default_output: bool = False

    def describe(self) -> str:
        kinds = [k for k, n in (("in", self.inputs), ("out", self.outputs)) if n]
        marks = [
            m
            for m, on in (("default input", self.default_input), ("default output", self.default_output))
            if on
        ]
        extra = f" [{', '.join(marks)}]" if marks else ""
        return f"{self.index}: {self.name} ({'/'.join(kinds) or 'none'}, {self.default_rate:.0f} Hz){extra}"


@dataclass(frozen=True)
class Problem:
    """Something wrong with audio, said plainly, with the command or action that fixes it."""

    message: str
    fix: str

    def to_error(self) -> AudioError:
        return AudioError(self.message, fix=self.fix)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Silence fd 2 for the duration: ALSA/JACK write diagnostics there directly, not via Python.

    Only for short calls made before a UI owns the terminal (fd 2 is process-wide).
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded, some test runners): nothing to hide
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def sounddevice_module() -> ModuleType:
    """Import sounddevice (initialising PortAudio) quietly; ``AudioError`` with a fix when PortAudio is missing."""
    loaded: ModuleType | None = sys.modules.get("sounddevice")
    if loaded is not None:
        return loaded
    try:
        with quiet_stderr():
            import sounddevice
    except OSError as exc:  # "PortAudio library not found"
        raise AudioError(f"PortAudio is not available: {exc}", fix=PORTAUDIO_FIX) from None
    except ImportError:
        raise AudioError(
            "the sounddevice package is not installed", fix="make setup (or pip install sounddevice)"
        ) from None
    module: ModuleType = sounddevice
    return module


def refresh() -> None:
    """Re-scan devices (PortAudio lists them once, at start-up): after plugging in a headset, or after a
    sound server started. Never call while a stream is open."""
    sd = sounddevice_module()
    with quiet_stderr():
        sd._terminate()
        sd._initialize()


def portaudio_status() -> tuple[bool, str, str | None]:
    """``(ok, message, fix)``: whether audio I/O is possible at all on this machine."""
    try:
        sd = sounddevice_module()
    except AudioError as exc:
        return False, exc.message, exc.fix
    version = getattr(sd, "get_portaudio_version", lambda: (0, "PortAudio"))()[1]
    return True, f"{version} loaded", None


def list_devices() -> list[DeviceInfo]:
    """All PortAudio devices (empty on a machine without sound hardware or sound server)."""
    sd = sounddevice_module()
    try:
        with quiet_stderr():
            raw: Any = sd.query_devices()
            default_in, default_out = _default_indices(sd)
    except Exception as exc:  # sounddevice.PortAudioError; keep the message
        raise AudioError(f"cannot list audio devices: {exc}", fix=PORTAUDIO_FIX) from None
    return [
        DeviceInfo(
            index=int(d["index"]) if "index" in d else i,
            name=str(d["name"]),
            inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]),
            default_rate=float(d["default_samplerate"]),
            default_input=i == default_in,
            default_output=i == default_out,
        )
        for i, d in enumerate(raw)
    ]


def _default_indices(sd: ModuleType) -> tuple[int, int]:
    try:
        pair = sd.default.device
        return int(pair[0] if pair[0] is not None else -1), int(pair[1] if pair[1] is not None else -1)
    except (TypeError, ValueError, IndexError):
        return -1, -1


def resolve_input(name_or_index: str | int | None) -> DeviceInfo | None:
    """The input device the user named (index, exact name, or unique name fragment); None = system default.

    Raises ``AudioError`` naming the available inputs when nothing matches or there are no inputs at all.
    """
    return _resolve(name_or_index, "input")


def resolve_output(name_or_index: str | int | None) -> DeviceInfo | None:
    """Like ``resolve_input`` for playback devices."""
    return _resolve(name_or_index, "output")


def _resolve(name_or_index: str | int | None, kind: str) -> DeviceInfo | None:
    devices = list_devices()
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    if not usable:
        fix = (
            NO_INPUT_FIX
            if kind == "input"
            else "connect speakers or headphones; questions are then shown as text"
        )
        raise AudioError(f"no audio {kind} device found", fix=fix)
    if name_or_index is None or str(name_or_index).strip() == "":
        return None
    wanted = str(name_or_index).strip()
    choices = "available " + kind + "s: " + "; ".join(d.describe() for d in usable)
    if wanted.isdigit():
        for d in usable:
            if d.index == int(wanted):
                return d
        raise AudioError(f"no {kind} device with index {wanted}", fix=choices)
    exact = [d for d in usable if d.name.lower() == wanted.lower()]
    if exact:
        return exact[0]
    partial = [d for d in usable if wanted.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise AudioError(f"{kind} device name {wanted!r} is ambiguous", fix="use the index; " + choices)
    raise AudioError(f"no {kind} device named {wanted!r}", fix=choices)


def check_input(device: str | int | None = None, *, probe_seconds: float = 0.2) -> Problem | None:
    """What stops recording from ``device`` (for ``voicemock doctor`` and before the TUI), or None.

    Covers PortAudio missing, no input device, an unknown device name, permission denied and a device that
    refuses to open. Opens the device briefly, with ALSA's terminal output silenced.
    """
    ok, message, fix = portaudio_status()
    if not ok:
        return Problem(message, fix or PORTAUDIO_FIX)
    try:
        info = resolve_input(device)
    except AudioError as exc:
        return Problem(exc.message, exc.fix or NO_INPUT_FIX)
    sd = sounddevice_module()
    target = info.index if info is not None else None
    try:
        with quiet_stderr():
            rate = pick_rate(sd, target, "input", SAMPLE_RATE)
            with sd.InputStream(device=target, channels=1, samplerate=rate, dtype="float32"):
                sd.sleep(int(probe_seconds * 1000))
    except AudioError as exc:
        return Problem(exc.message, exc.fix or NO_INPUT_FIX)
    except Exception as exc:  # PortAudioError carries ALSA's reason as text
        return explain_open_error(exc, info.name if info else "the default input")
    return None


def explain_open_error(exc: BaseException, name: str) -> Problem:
    """Turn a PortAudio open/start failure into a message and fix (permission, busy, or generic)."""
    text = str(exc)
    lowered = text.lower()
    if "permission" in lowered or f"[errno {errno.EACCES}]" in lowered or "-13" in lowered:
        return Problem(f"permission denied opening {name}: {text}", PERMISSION_FIX)
    if "busy" in lowered or "unavailable" in lowered:
        return Problem(
            f"{name} is busy or unavailable: {text}",
            "close other programs using the microphone, or pick another with --input-device (see `voicemock devices`)",
        )
    return Problem(
        f"cannot open {name}: {text}",
        "pick another input with --input-device (see `voicemock devices`), or answer by typing (--typed)",
    )


def pick_rate(sd: ModuleType, device: int | str | None, kind: Literal["input", "output"], wanted: int) -> int:
    """``wanted`` if the device accepts it for ``kind``, else the device's default rate (the recorder or the
    player then resamples)."""
    check = sd.check_input_settings if kind == "input" else sd.check_output_settings
    try:
        check(device=device, channels=1, samplerate=wanted, dtype="float32")
        return wanted
    except Exception:
        info: Any = sd.query_devices(device, kind)
        return int(info["default_samplerate"])


def doctor_checks(settings: Settings) -> list[Check]:
    """``voicemock doctor``'s audio lines: PortAudio, the microphone, the speakers (all optional)."""
    from voicemock.doctor import Check

    ok, message, fix = portaudio_status()
    checks = [Check("audio (PortAudio)", ok, message, fix or "", optional=True)]
    if not ok:
        return checks
    wanted = settings.audio.input_device
    problem = check_input(wanted)
    name = f"microphone ({wanted or 'default'})"
    if problem is None:
        checks.append(Check(name, True, "opens and delivers audio", optional=True))
    else:
        checks.append(Check(name, False, problem.message, problem.fix, optional=True))
    try:
        out = resolve_output(settings.speech.output_device)
        detail = f"plays through {out.name if out else 'the default output'}"
        checks.append(Check("speakers", True, detail, optional=True))
    except AudioError as exc:
        checks.append(Check("speakers", False, exc.message, exc.fix or "", optional=True))
        return checks
    if problem is None:
        checks.append(echo_check(settings))
    return checks


def echo_check(settings: Settings) -> Check:
    """Play a short chirp and listen for it: with echo, barge-in on audio must stay off."""
    from voicemock.backends.echo import check_echo
    from voicemock.doctor import Check

    try:
        found = check_echo(settings.audio.input_device, settings.speech.output_device)
    except AudioError as exc:
        return Check("echo (barge-in)", False, f"could not run the echo check: {exc.message}", optional=True)
    if found.heard and settings.audio.barge_in:
        return Check(
            "echo (barge-in)",
            False,
            f"{found.advice} (heard after {found.delay or 0:.2f} s)",
            "use headphones, or set audio.barge_in = false",
            optional=True,
        )
    return Check("echo (barge-in)", True, found.advice, optional=True)
