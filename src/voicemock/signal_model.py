"""The rubric's second detector: a small trained classifier per signal over sentence embeddings.

The patterns in ``signals.py`` catch how a signal is usually phrased and miss paraphrase. This module scores
each answer sentence for each signal with a logistic regression over its all-MiniLM-L6-v2 embedding
(``backends/minilm.py``); a sentence whose probability reaches the signal's threshold is evidence, exactly
like a pattern hit, so every verdict still quotes a sentence. The weights ship in
``voicemock/data/signal_model.npz``, trained by ``bench/train_signals.py`` from the labelled development sets
in ``bench/eval/`` (never from the blind sets). Same sentences, same verdicts: no sampling, no network.

When the embedding model is not installed the rubric runs on patterns alone, and the debrief says so.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

WEIGHTS = "signal_model.npz"
#: Where a spoken sentence joins two ideas: ", and", ", so", ", but", ";", ", while", " because ".
_CLAUSE = re.compile(r",\s+(?:and|so|but|while|which|whereas)\s+|;\s+|\s+because\s+|:\s+", re.IGNORECASE)
#: A clause shorter than this (words) is not judged on its own.
_MIN_CLAUSE_WORDS = 4


def clauses(sentence: str) -> list[str]:
    """The clauses of a compound sentence worth judging on their own (none for a simple sentence)."""
    parts = [p.strip() for p in _CLAUSE.split(sentence)]
    parts = [p for p in parts if len(p.split()) >= _MIN_CLAUSE_WORDS]
    return parts if len(parts) > 1 else []


class Encoder(Protocol):
    name: str

    def encode(self, sentences: list[str]) -> Any: ...


@dataclass(frozen=True)
class SentenceJudge:
    """Per-signal logistic regressions over sentence embeddings, with a threshold each."""

    encoder: Encoder
    signals: tuple[str, ...]
    weights: Any  # (signals, dim) float32
    bias: Any  # (signals,)
    thresholds: Any  # (signals,): a sentence at or over this shows the signal
    floors: Any  # (signals,): a pattern hit under this is overruled
    meta: dict[str, Any]
    clauses: bool = False

    @property
    def name(self) -> str:
        return f"patterns + {self.encoder.name} classifier"

    def knows(self, signal_id: str) -> bool:
        return signal_id in self.signals

    def probabilities(self, signal_ids: Sequence[str], sentences: Sequence[str]) -> dict[str, list[float]]:
        """For each known signal, the probability that each sentence shows it: the highest of the whole
        sentence and, when ``clauses`` is on, each of its clauses (an embedding of "I'd track approvals,
        and a false decline costs us the sale" is mostly about tracking)."""
        import numpy as np

        known = [s for s in signal_ids if s in self.signals]
        if not known or not sentences:
            return {s: [0.0] * len(sentences) for s in known}
        rows = [self.signals.index(s) for s in known]
        owner: list[int] = []
        texts: list[str] = []
        for i, sentence in enumerate(sentences):
            pieces = [sentence, *(clauses(sentence) if self.clauses else [])]
            texts += pieces
            owner += [i] * len(pieces)
        z = self.encoder.encode(texts) @ self.weights[rows].T + self.bias[rows]
        p = 1.0 / (1.0 + np.exp(-z))
        best = np.zeros((len(sentences), len(known)))
        np.maximum.at(best, np.array(owner), p)
        return {s: [float(v) for v in best[:, j]] for j, s in enumerate(known)}

    def verdicts(
        self, signal_ids: Sequence[str], sentences: Sequence[str]
    ) -> dict[str, tuple[list[int], set[int]]]:
        """For each known signal: the sentences it credits (probability at or over the signal's threshold),
        most confident first, and the sentences it overrules (under the floor: a pattern hit there is a
        keyword without the thing)."""
        out: dict[str, tuple[list[int], set[int]]] = {}
        for sig, probs in self.probabilities(signal_ids, sentences).items():
            row = self.signals.index(sig)
            high, low = float(self.thresholds[row]), float(self.floors[row])
            credit = sorted((i for i, p in enumerate(probs) if p >= high), key=lambda i: -probs[i])
            out[sig] = (credit, {i for i, p in enumerate(probs) if p < low})
        return out


def weights_path() -> Path:
    return Path(str(resources.files("voicemock") / "data" / WEIGHTS))


def load_judge(encoder: Encoder, path: Path | None = None) -> SentenceJudge:
    """The shipped classifier (or the one at ``path``) on top of ``encoder``."""
    import numpy as np

    with np.load(path or weights_path(), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        if meta.get("encoder") != encoder.name:
            raise ValueError(f"signal model was trained on {meta.get('encoder')}, not {encoder.name}")
        return SentenceJudge(
            encoder=encoder,
            signals=tuple(str(s) for s in data["signals"]),
            weights=data["weights"].astype(np.float32),
            bias=data["bias"].astype(np.float32),
            thresholds=data["thresholds"].astype(np.float32),
            floors=data["floors"].astype(np.float32),
            meta=meta,
            clauses=bool(meta.get("clauses", False)),
        )


_default: SentenceJudge | None = None
_default_missing = False
_lock = threading.Lock()


def default_judge() -> SentenceJudge | None:
    """The shipped judge, loaded once; None when the embedding model package is not installed."""
    global _default, _default_missing
    with _lock:
        if _default is None and not _default_missing:
            from voicemock.backends.minilm import shared_encoder

            encoder = shared_encoder()
            if encoder is None:
                _default_missing = True
            else:
                _default = load_judge(encoder)
        return _default
