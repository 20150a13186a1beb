"""A whole `voicemock run` with the LLM coach against a local OpenAI-compatible server (real openai client)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from conftest import run_voicemock
from llm_server import FakeLLMServer, closed_port
from voicemock.backends.openai_coach import OpenAICoach, probe_endpoint
from voicemock.config import LLMSettings

KEY = "sk-test-0123456789abcdefSECRET"
ANSWER = "I'd track fraud losses and the approval rate, and trade off some recall for precision because false declines churn customers."
LLM_QUESTION = "When you decline a good payment, who exactly is hurt, and how would you hear about it?"


def _run(home: Path, answers: Path, base_url: str, timeout: float = 2.0) -> subprocess.CompletedProcess[str]:
    env = {
        "VOICEMOCK_LLM__COACH": "openai",
        "VOICEMOCK_LLM__BASE_URL": base_url,
        "VOICEMOCK_LLM__MODEL": "test-model",
        "VOICEMOCK_LLM__TIMEOUT": str(timeout),
        "VOICEMOCK_LLM__NOTES_TIMEOUT": "3",
        "OPENAI_API_KEY": KEY,
    }
    args = ("run", "-s", "fraud-success-metrics", "--answers", str(answers), "--json", "--no-speech")
    return run_voicemock(*args, home=home, env=env, timeout=120)


def _answers(tmp_path: Path) -> Path:
    d = tmp_path / "answers"
    d.mkdir()
    (d / "1.txt").write_text(ANSWER)
    (d / "1-1.txt").write_text("Honest cardholders are hurt; they call support and stop using the card.")
    (d / "2.txt").write_text("I would run an A/B test with a holdout group.")
    return d


def test_llm_follow_up_reaches_the_interview_and_the_key_stays_out_of_files(
    tmp_path: Path, voicemock_home: Path
) -> None:
    reply = json.dumps({"action": "ask", "signal": "user_problem", "question": LLM_QUESTION})
    with FakeLLMServer(reply=reply) as server:
        done = _run(voicemock_home, _answers(tmp_path), server.url)
        requests = list(server.requests)
    assert done.returncode == 0, done.stderr
    assert "on this machine" in done.stderr  # local endpoint: said, and not called remote
    report = json.loads(done.stdout)
    follow = report["questions"][0]["turns"][1]
    assert follow["text"] == LLM_QUESTION and follow["origin"] == "llm:test-model"
    assert report["inputs"]["coach"] == "llm:test-model"
    # the request carried the persona, the question and the answer as delimited data
    body = json.dumps(requests[0])
    assert "Priya" in body and "define success" in body and ANSWER in body and "CANDIDATE_ANSWER" in body
    for path in voicemock_home.rglob("*"):
        if path.is_file():
            assert KEY not in path.read_text(errors="ignore"), path
            assert KEY[-8:] not in path.read_text(errors="ignore"), path


def test_unreachable_llm_falls_back_and_says_so(tmp_path: Path, voicemock_home: Path) -> None:
    done = _run(voicemock_home, _answers(tmp_path), f"http://127.0.0.1:{closed_port()}/v1", timeout=1.0)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    follow = report["questions"][0]["turns"][1]
    assert follow["origin"].startswith("scripted (fallback")
    assert "scripted follow-up instead" in done.stderr
    assert KEY not in done.stderr + done.stdout


def test_privacy_notice_and_probe(monkeypatch: object) -> None:
    remote = LLMSettings(
        coach="openai", base_url="https://api.example.com/v1", api_key=KEY, model="m"
    )  # never called
    assert remote.is_remote()
    notice = OpenAICoach(remote).privacy_notice
    assert notice is not None and "api.example.com" in notice and KEY not in notice
    assert not LLMSettings(coach="openai", base_url="http://localhost:11434/v1").is_remote()
    assert LLMSettings(coach="openai").is_remote()  # the OpenAI default endpoint
    with FakeLLMServer() as server:
        ok, detail = probe_endpoint(LLMSettings(coach="openai", base_url=server.url, model="test-model"))
    assert ok and "test-model" in detail
    ok, detail = probe_endpoint(
        LLMSettings(coach="openai", base_url=f"http://127.0.0.1:{closed_port()}/v1"), timeout=1
    )
    assert not ok and "cannot connect" in detail
