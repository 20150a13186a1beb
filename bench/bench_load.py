"""Many clients, one server: N headless voicemock interviews at once against one OpenAI-compatible stub
(bench/stub_server.py) that serves both transcription and follow-ups, with faults injected on a schedule.

Each client is the real command (``voicemock run --answers DIR --no-speech``) with remote transcription and
the openai coach pointed at the stub, under its own VOICEMOCK_HOME. What it checks, not how fast:

- every interview finishes (exit status 0, a debrief written);
- no retry storm: each client sends at most one transcription per answer and one chat request per follow-up
  it could ask plus one for the notes (the SDK's retries are off; the fallback is the retry);
- each client's wall time stays inside the bound its timeouts allow;
- and it prints each client's figures: wall time, requests, follow-ups asked by the LLM or the scripted
  fallback, answers transcribed remotely or locally.

Run: ``.venv/bin/python bench/bench_load.py [--clients 8] [--slots 4]``. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from stub_server import StubServer

SCENARIO = "recruiter-screen"
ANSWER = "We measured the approval rate and the chargeback rate for three weeks before launch."
LLM_TIMEOUT = 8.0
STT_TIMEOUT = 10.0
NOTES_TIMEOUT = 20.0


@dataclass
class Client:
    number: int
    home: Path
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    wall: float | None = None
    status: int | None = None
    prompts: int = 0
    answers: int = 0
    llm_follow_ups: int = 0
    scripted_follow_ups: int = 0
    remote_transcripts: int = 0
    local_transcripts: int = 0
    debrief: bool = False


def make_answers(folder: Path) -> None:
    """One spoken answer (espeak-ng) copied for every question and follow-up of the scenario."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "1.wav"
    subprocess.run(["espeak-ng", "-w", str(first), ANSWER], check=True)
    for name in ["2", "3", "4", "5", "1-1", "1-2", "2-1", "2-2", "3-1", "3-2", "4-1", "4-2", "5-1", "5-2"]:
        (folder / f"{name}.wav").write_bytes(first.read_bytes())


def read_journal(client: Client) -> None:
    for journal in client.home.glob("sessions/*/journal.jsonl"):
        for line in journal.read_text(encoding="utf-8").splitlines():
            event = json.loads(line)
            if event.get("event") == "prompt":
                client.prompts += 1
                origin = event["prompt"].get("origin", "")
                if event["prompt"].get("kind") == "follow_up":
                    if origin.startswith("llm:"):
                        client.llm_follow_ups += 1
                    else:
                        client.scripted_follow_ups += 1
            elif event.get("event") == "answer" and event.get("transcript"):
                client.answers += 1
                source = event["transcript"].get("source", "")
                if source.startswith("remote:"):
                    client.remote_transcripts += 1
                else:
                    client.local_transcripts += 1
        client.debrief = (journal.parent / "debrief.json").is_file()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--slots", type=int, default=4, help="requests the stub serves at once")
    args = parser.parse_args(argv)
    print(f"load average at start: {'/'.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp, StubServer(slots=args.slots) as server:
        answers = Path(tmp) / "answers"
        make_answers(answers)
        clients = [Client(i, Path(tmp) / f"home{i}") for i in range(1, args.clients + 1)]
        for client in clients:
            client.home.mkdir()
            env = {
                **os.environ,
                "VOICEMOCK_HOME": str(client.home),
                "VOICEMOCK_LLM__COACH": "openai",
                "VOICEMOCK_LLM__BASE_URL": server.url,
                "VOICEMOCK_LLM__MODEL": f"client-{client.number}",
                "VOICEMOCK_LLM__TIMEOUT": str(LLM_TIMEOUT),
                "VOICEMOCK_LLM__NOTES_TIMEOUT": str(NOTES_TIMEOUT),
                "VOICEMOCK_TRANSCRIPTION__ENGINE": "openai",
                "VOICEMOCK_TRANSCRIPTION__BASE_URL": server.url,
                "VOICEMOCK_TRANSCRIPTION__MODEL": f"stt-{client.number}",
                "VOICEMOCK_TRANSCRIPTION__TIMEOUT": str(STT_TIMEOUT),
            }
            client.started = time.monotonic()
            client.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "voicemock",
                    "run",
                    "-s",
                    SCENARIO,
                    "--answers",
                    str(answers),
                    "--no-speech",
                ],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        for client in clients:
            assert client.proc is not None
            try:
                _, err = client.proc.communicate(timeout=900)
            except subprocess.TimeoutExpired:
                client.proc.kill()
                _, err = client.proc.communicate()
            client.status = client.proc.returncode
            client.wall = time.monotonic() - client.started
            if client.status != 0:
                print(f"client {client.number} failed ({client.status}): {err.decode()[-800:]}")
            read_journal(client)
        stats = server.stats

    problems: list[str] = []
    print(
        f"\n{args.clients} clients, one stub server with {args.slots} slots (hosted pacing: first token 0.4 s,"
    )
    print(
        "50 tokens/s); faults: every 7th follow-up request a 500 or a hang, every 9th transcription a 429 or 500"
    )
    print(
        f"{'client':>6}{'wall s':>8}{'answers':>9}{'stt req':>9}{'remote/local':>14}{'chat req':>10}"
        f"{'follow-ups llm/scripted':>25}{'debrief':>9}"
    )
    for client in clients:
        stt = stats.stt[f"stt-{client.number}"]
        chat = stats.chat[f"client-{client.number}"]
        print(
            f"{client.number:>6}{client.wall or 0:>8.1f}{client.answers:>9}{stt:>9}"
            f"{client.remote_transcripts:>8}/{client.local_transcripts:<5}{chat:>10}"
            f"{client.llm_follow_ups:>17}/{client.scripted_follow_ups:<7}{'yes' if client.debrief else 'NO':>9}"
        )
        if client.status != 0 or not client.debrief:
            problems.append(f"client {client.number} did not finish (status {client.status})")
        if stt > client.answers:
            problems.append(
                f"client {client.number}: {stt} transcription requests for {client.answers} answers"
            )
        if chat > client.answers + 1:  # at most one follow-up request per answer, and the notes
            problems.append(f"client {client.number}: {chat} chat requests for {client.answers} answers")
        bound = (
            client.answers * (STT_TIMEOUT + 30)
            + (client.answers + 1) * (LLM_TIMEOUT + 1)
            + NOTES_TIMEOUT
            + 60
        )
        if (client.wall or 0) > bound:
            problems.append(
                f"client {client.number}: {client.wall:.0f} s, past its timeouts' bound of {bound:.0f} s"
            )
    print(
        f"faults injected: {dict(stats.faults)}; most requests at once: {stats.max_active}; longest queue wait "
        f"{stats.queued_max:.1f} s"
    )
    print(f"load average at end: {'/'.join(f'{x:.2f}' for x in os.getloadavg())}")
    for problem in problems:
        print("PROBLEM: " + problem)
    print("all interviews finished, no retries" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
