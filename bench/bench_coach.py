"""Follow-up relevance and latency per coach, side by side: scripted vs in-process local model vs an
OpenAI-compatible server.

For every answer in ``bench/coach_eval.jsonl`` (each labelled with the signal a good interviewer would probe),
time from the final transcript to the follow-up text (rubric assessment + the coach's call) and whether the
follow-up targets the labelled signal, judged two ways:

- declared: the signal the coach says it probed;
- by text: the question's signal whose authored follow-up (plus label and "strong" line) shares the most
  content words with the follow-up's text, so a coach cannot score by declaring the right id.

Run: ``.venv/bin/python bench/bench_coach.py [--local-model X.gguf] [--server URL --server-model NAME]
[--serve-with PYTHON]``. ``--serve-with`` starts ``PYTHON -m llama_cpp.server`` on the local model for the
server column. Anything not available is printed as such; no figure is invented.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from voicemock import paths
from voicemock.backends.scripted_coach import ScriptedCoach
from voicemock.backends.tts_espeak import EspeakSpeaker
from voicemock.config import LLMSettings
from voicemock.llm_guard import content_words
from voicemock.models import Prompt, PromptKind, Transcript
from voicemock.protocols import Coach, FollowUpRequest, StreamingCoach
from voicemock.rubric import assess
from voicemock.scenario import Question, Scenario, ScenarioSet

EVAL = Path(__file__).with_name("coach_eval.jsonl")


@dataclass
class Row:
    coach: str
    latencies: list[float] = field(default_factory=list)
    audio_latencies: list[float] = field(default_factory=list)
    """Transcript -> the follow-up's first sentence rendered to a WAV by espeak-ng (the persona can start
    speaking). For a streaming coach, the first sentence is rendered as soon as it arrives."""
    sentence_latencies: list[float] = field(default_factory=list)
    """Transcript -> the first complete sentence of the follow-up's text."""
    fallbacks: int = 0
    """Follow-ups that fell back to the scripted one (timeout, error, rejected reply)."""
    reasons: dict[str, int] = field(default_factory=dict)
    declared: int = 0
    by_text: int = 0
    asked: int = 0
    own_words: int = 0
    """Follow-ups the coach wrote itself (not the scripted fallback)."""
    samples: list[str] = field(default_factory=list)


def judge_by_text(text: str, question: Question) -> str | None:
    """The question's signal whose authored follow-up and description the text is closest to."""
    words = content_words(text)
    best, best_score = None, 0.0
    for ref in question.signals:
        reference = content_words(f"{ref.follow_up} {ref.spec.label} {ref.strong or ref.spec.strong}")
        score = len(words & reference) / (len(words) or 1)
        if score > best_score:
            best, best_score = ref.id, score
    return best


SPEAKER = EspeakSpeaker()


def run(coach: Coach, items: list[dict[str, str]], scenarios: ScenarioSet, label: str) -> Row:
    row = Row(label)
    for item in items:
        scenario = scenarios.scenarios[item["scenario"]]
        question = scenario.question(item["question"])
        prompt = Prompt(question.id, question.id, PromptKind.QUESTION, question.text, 180, 1)
        started = time.perf_counter()
        assessment = assess(question, scenario.persona, [(prompt.id, item["answer"])])
        request = FollowUpRequest(
            scenario=scenario,
            persona=scenario.persona,
            question=question,
            prompt=prompt,
            answer=Transcript(item["answer"]),
            assessment=assessment,
            missing=assessment.missing,
            remaining=1,
        )
        heard: list[float] = []

        def first_audio(
            sentence: str, scenario: Scenario = scenario, started: float = started, heard: list[float] = heard
        ) -> None:
            if heard:
                return
            heard.append(time.perf_counter() - started)
            with tempfile.TemporaryDirectory() as tmp:
                SPEAKER.synthesize(sentence, scenario.persona.voice, Path(tmp) / "f.wav")
            heard.append(time.perf_counter() - started)

        if isinstance(coach, StreamingCoach):
            follow_up = coach.stream_follow_up(request, first_audio)
        else:
            follow_up = coach.follow_up(request)
        row.latencies.append(time.perf_counter() - started)
        if follow_up is None:
            continue
        if follow_up.origin.startswith("scripted (fallback"):
            row.fallbacks += 1
            reason = follow_up.origin.removeprefix("scripted (fallback: ").rstrip(")")
            reason = re.sub(r"\d+(\.\d+)? s", "N s", reason)[:60]
            row.reasons[reason] = row.reasons.get(reason, 0) + 1
        if not heard:  # not streamed (or the fallback): the whole text is rendered once it is known
            first_audio(follow_up.text)
        row.sentence_latencies.append(heard[0])
        row.audio_latencies.append(heard[1])
        row.asked += 1
        row.declared += follow_up.signal == item["missing"]
        row.by_text += judge_by_text(follow_up.text, question) == item["missing"]
        if not follow_up.origin.startswith("scripted"):
            row.own_words += 1
            if len(row.samples) < 4:
                row.samples.append(f"[{item['id']} {item['missing']}] {follow_up.text}")
    return row


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(python: str, model: str, threads: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            python,
            "-m",
            "llama_cpp.server",
            "--model",
            model,
            "--port",
            str(port),
            "--n_threads",
            str(threads),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=1):
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("llama_cpp.server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--local-model", default=os.environ.get("VOICEMOCK_LLM__LOCAL_MODEL_PATH"))
    parser.add_argument("--server", help="an OpenAI-compatible base URL already running")
    parser.add_argument("--server-model", default="local")
    parser.add_argument("--serve-with", help="a Python with llama_cpp.server, to serve --serve-model")
    parser.add_argument("--serve-model", help="GGUF for --serve-with (default: --local-model)")
    parser.add_argument(
        "--threads", type=int, default=1, help="--n_threads for --serve-with (2 collapsed under load)"
    )
    parser.add_argument("--timeout", type=float, default=8.0, help="coach timeout in seconds")
    parser.add_argument("--repeat", type=int, default=1, help="run the labelled set this many times")
    parser.add_argument("--limit", type=int, default=0, help="use only the first N labelled answers")
    args = parser.parse_args()

    items = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    items = (items[: args.limit] if args.limit else items) * args.repeat
    print(f"load average at start: {'/'.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    scenarios = ScenarioSet([paths.shipped_scenarios_dir()])
    flagged = sum(
        assess(
            scenarios.scenarios[i["scenario"]].question(i["question"]),
            scenarios.scenarios[i["scenario"]].persona,
            [("p", i["answer"])],
        ).missing[:1]
        == (i["missing"],)
        for i in items
    )
    print(
        f"{len(items)} answers; the rubric puts the labelled signal first among missing in {flagged}/{len(items)}"
    )

    rows: list[Row] = [run(ScriptedCoach(), items, scenarios, "scripted")]
    unavailable: dict[str, str] = {}

    if args.local_model:
        try:
            from voicemock.backends.local_coach import LocalCoach

            settings = LLMSettings(coach="local", local_model_path=args.local_model, timeout=args.timeout)
            t0 = time.perf_counter()
            local = LocalCoach(settings)
            local.wait_loaded()
            print(f"local model loaded in {time.perf_counter() - t0:.1f} s: {Path(args.local_model).name}")
            rows.append(run(local, items, scenarios, "local (in-process)"))
        except Exception as exc:
            unavailable["local (in-process)"] = str(exc)
    else:
        unavailable["local (in-process)"] = "no --local-model given"

    proc = None
    url = args.server
    try:
        serve_model = args.serve_model or args.local_model
        if url is None and args.serve_with and serve_model:
            proc, url = start_server(args.serve_with, serve_model, args.threads)
        if url:
            from voicemock.backends.openai_coach import OpenAICoach

            settings = LLMSettings(
                coach="openai", base_url=url, model=args.server_model, timeout=args.timeout
            )
            coach = OpenAICoach(settings)
            print_prompt_tokens(url, items, scenarios)
            warm = run(
                coach, items[:1], scenarios, "warm-up"
            )  # loads the model's weights into the page cache
            print(f"warm-up follow-up: {warm.latencies[0]:.1f} s (not counted)")
            rows.append(run(coach, items, scenarios, "server (openai client)"))
        else:
            unavailable["server (openai client)"] = "no --server or --serve-with given"
    except Exception as exc:
        unavailable["server (openai client)"] = str(exc)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:  # still busy generating an abandoned reply
                proc.kill()
                proc.wait(10)

    n = len(items)
    print()
    print(
        f"{'coach':<24}{'targets (declared)':>20}{'targets (by text)':>19}{'own words':>11}{'median s':>10}{'p90 s':>8}{'max s':>8}{'audio med s':>13}"
    )
    base = statistics.median(rows[0].latencies)
    for row in rows:
        lat = sorted(row.latencies)
        p90 = lat[min(len(lat) - 1, int(0.9 * len(lat)))]
        print(
            f"{row.coach:<24}{row.declared:>14}/{n} {100 * row.declared / n:3.0f}%"
            f"{row.by_text:>13}/{n} {100 * row.by_text / n:3.0f}%{row.own_words:>8}/{n}"
            f"{statistics.median(lat):>10.3f}{p90:>8.3f}{lat[-1]:>8.3f}"
            f"{statistics.median(row.audio_latencies) if row.audio_latencies else float('nan'):>13.3f}"
        )
    for name, why in unavailable.items():
        print(f"{name:<24}not available: {why}")
    print()
    print(f"{'coach':<24}{'first sentence P50/P90 s':>26}{'first audio P50/P90 s':>24}{'fallback rate':>16}")
    for row in rows:
        print(
            f"{row.coach:<24}{_pct(row.sentence_latencies, 50):>15.2f} /{_pct(row.sentence_latencies, 90):>6.2f}"
            f"{_pct(row.audio_latencies, 50):>17.2f} /{_pct(row.audio_latencies, 90):>5.2f}"
            f"{row.fallbacks:>9}/{n} {100 * row.fallbacks / n:3.0f}%"
        )
        for reason, count in sorted(row.reasons.items(), key=lambda kv: -kv[1]):
            print(f"{'':<26}fallback: {count} x {reason}")
    print(f"load average at end: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    for row in rows[1:]:
        print(
            f"\n{row.coach}: median latency {statistics.median(row.latencies) / base:.0f}x scripted; samples:"
        )
        for sample in row.samples:
            print("  " + sample)
    sys.stdout.flush()


def _pct(values: list[float], pct: int) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def print_prompt_tokens(url: str, items: list[dict[str, str]], scenarios: ScenarioSet) -> None:
    """The follow-up prompts' real sizes in the server's tokens (llama_cpp.server's /extras/tokenize), next
    to voicemock's own estimate, which must stay above them."""
    from voicemock.prompts import PROMPT_TOKEN_BUDGET, follow_up_text_messages, messages_tokens

    real: list[int] = []
    estimated: list[int] = []
    chars: list[int] = []
    for item in items:
        scenario = scenarios.scenarios[item["scenario"]]
        question = scenario.question(item["question"])
        prompt = Prompt(question.id, question.id, PromptKind.QUESTION, question.text, 180, 1)
        assessment = assess(question, scenario.persona, [(prompt.id, item["answer"])])
        request = FollowUpRequest(
            scenario,
            scenario.persona,
            question,
            prompt,
            Transcript(item["answer"]),
            assessment,
            assessment.missing,
        )
        messages = follow_up_text_messages(request)
        text = "\n".join(m["content"] for m in messages)
        body = json.dumps({"input": text}).encode()
        root = url.rsplit("/v1", 1)[0]
        req = urllib.request.Request(f"{root}/extras/tokenize", body, {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as reply:
                real.append(len(json.load(reply)["tokens"]) + 4 * len(messages))
        except (OSError, KeyError, ValueError):
            print("prompt tokens: the server has no /extras/tokenize; not measured")
            return
        estimated.append(messages_tokens(messages))
        chars.append(len(text))
    print(
        f"follow-up prompt tokens (server's tokenizer): median {statistics.median(real):.0f}, max {max(real)}; "
        f"voicemock's estimate median {statistics.median(estimated):.0f}, max {max(estimated)} "
        f"(budget {PROMPT_TOKEN_BUDGET}); {sum(chars) / sum(real):.2f} characters per token"
    )


if __name__ == "__main__":
    main()
