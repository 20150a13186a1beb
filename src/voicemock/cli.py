"""Command-line entry points. Thin: parsing, printing and error handling; the work is elsewhere.

Heavy libraries (faster-whisper, sounddevice, openai, textual) are imported only inside the commands that
need them, so ``voicemock --help`` and ``voicemock scenarios`` stay fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from voicemock import __version__, paths
from voicemock.errors import VoicemockError


def _scenario_set(ctx: click.Context) -> Any:
    """The shipped scenarios, the user's, the configured directories and every ``--scenarios DIR`` (given
    before or after the command)."""
    from voicemock.config import load_settings
    from voicemock.scenario import ScenarioSet

    settings = load_settings()
    dirs = [paths.shipped_scenarios_dir(), paths.user_scenarios_dir()]
    configured = [Path(d).expanduser() for d in settings.scenario_dirs]
    for d in configured:
        if not d.is_dir():
            click.echo(f"  ! scenario_dirs in the settings names {d}, which is not a directory", err=True)
    return ScenarioSet(dirs + configured + _extra_dirs(ctx))


def _extra_dirs(ctx: click.Context) -> list[Path]:
    found: list[Path] = []
    while ctx is not None:
        found = list(ctx.params.get("scenario_dirs", ())) + found
        ctx = ctx.parent  # type: ignore[assignment]
    return list(dict.fromkeys(found))


#: ``--scenarios DIR`` is accepted before the command and after it; a directory that does not exist is an error.
scenarios_option = click.option(
    "--scenarios",
    "scenario_dirs",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Extra scenario directory (repeatable).",
)


def _say(to_stderr: bool) -> Callable[[Any], None]:
    from voicemock.session import Event

    def listen(event: Event) -> None:
        if event.kind == "prompt":
            kind = (event.data or {}).get("kind")
            prompt = (event.data or {}).get("prompt") or {}
            who = (
                "Interviewer"
                if kind in ("intro", "outro")
                else ("Follow-up" if prompt.get("kind") == "follow_up" else f"Q{prompt.get('number', '')}")
            )
            origin = f" [{prompt['origin']}]" if prompt.get("kind") == "follow_up" else ""
            click.echo(f"\n{who}{origin}: {event.text}", err=to_stderr)
        elif event.kind == "answer":
            source = (event.data or {}).get("source") or ""
            click.echo(f"  You ({source}): {event.text}", err=to_stderr)
        elif event.kind == "notice":
            click.echo(f"  ! {event.text}", err=to_stderr)
        elif event.kind == "phase" and event.text in ("transcribing",):
            click.echo("  ... transcribing", err=to_stderr)

    return listen


def _with_enter_to_finish(
    listen: Callable[[Any], None], chosen: Any, to_stderr: bool
) -> Callable[[Any], None]:
    """For the microphone in a terminal: say when recording starts, and finish the answer on Enter."""
    import threading

    def on_event(event: Any) -> None:
        listen(event)
        recorder = chosen.recorder
        finish = getattr(recorder, "finish", None)
        if event.kind != "phase" or event.text != "listening" or not callable(finish):
            return
        if not sys.stdin.isatty():
            click.echo(
                "  (recording: the answer ends after a pause; Ctrl-C stops the interview)", err=to_stderr
            )
            return
        click.echo("  (recording: speak now, press Enter when you are done)", err=to_stderr)

        def wait_for_enter() -> None:
            try:
                sys.stdin.readline()
            finally:
                finish()

        threading.Thread(target=wait_for_enter, name="enter-to-finish", daemon=True).start()

    return on_event


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="voicemock")
@scenarios_option
@click.pass_context
def cli(ctx: click.Context, scenario_dirs: tuple[Path, ...]) -> None:
    """Rehearse AI product-manager interviews out loud.

    With no command, opens the interactive app.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(app_cmd)


@cli.command("app")
@click.option("--answers", type=click.Path(path_type=Path), help="Answer files instead of the microphone.")
@click.option("--typed", is_flag=True, help="Type answers instead of speaking.")
@click.option("--no-speech", is_flag=True, help="Show questions as text only.")
@scenarios_option
@click.pass_context
def app_cmd(
    ctx: click.Context,
    answers: Path | None = None,
    typed: bool = False,
    no_speech: bool = False,
    scenario_dirs: tuple[Path, ...] = (),
) -> None:
    """Open the interactive app (picker, interview, debrief, history)."""
    try:
        from voicemock.tui.app import run_app
    except ImportError:
        click.echo(ctx.get_help())
        return
    run_app(scenario_dirs=tuple(_extra_dirs(ctx)), answers=answers, typed=typed, speech=not no_speech)


@cli.command("scenarios")
@scenarios_option
@click.pass_context
def scenarios_cmd(ctx: click.Context, scenario_dirs: tuple[Path, ...]) -> None:
    """List and validate every scenario (exit 1 if any file is invalid)."""
    found = _scenario_set(ctx)
    for s in found:
        click.echo(
            f"{s.id:32} {s.round:17} {len(s.questions)} q, ~{s.minutes:>2} min  {s.persona.name} ({s.persona.role})"
        )
    click.echo(
        f"\n{len(found)} scenarios from: " + ", ".join(str(d) for d in found.directories if d.is_dir())
    )
    if found.errors:
        click.echo(f"\n{len(found.errors)} invalid scenario file(s):", err=True)
        for err in found.errors:
            click.echo(str(err), err=True)
        sys.exit(1)


@cli.command("run")
@click.option(
    "--scenario",
    "-s",
    "scenario_id",
    required=True,
    help="Scenario id (see 'voicemock scenarios') or a .toml path.",
)
@click.option(
    "--answers", type=click.Path(path_type=Path), help="Directory of answer files: 1.wav, 1-1.txt, 2.mp3 ..."
)
@click.option("--typed", is_flag=True, help="Type answers on stdin.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print the debrief as JSON on stdout (progress goes to stderr)."
)
@click.option("--no-speech", is_flag=True, help="Do not synthesize or play the persona's questions.")
@click.option("--input-device", help="Microphone name or index.")
@click.option(
    "--cv",
    type=click.Path(path_type=Path),
    help="Your CV (.txt, .md, .pdf, .docx): questions quote your own work. Remembered for next time.",
)
@click.option(
    "--job",
    type=click.Path(path_type=Path),
    help="The job description (.txt, .md, .pdf, .docx) to tailor to. Remembered for next time.",
)
@click.option("--no-tailor", is_flag=True, help="Ignore the remembered CV and job description this time.")
@scenarios_option
@click.pass_context
def run_cmd(
    ctx: click.Context,
    scenario_id: str,
    answers: Path | None,
    typed: bool,
    as_json: bool,
    no_speech: bool,
    input_device: str | None,
    cv: Path | None = None,
    job: Path | None = None,
    no_tailor: bool = False,
    scenario_dirs: tuple[Path, ...] = (),
) -> None:
    """Run a whole interview headless: from answer files, typed input or the microphone."""
    from voicemock import backends
    from voicemock.config import load_settings
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    settings = load_settings()
    if input_device:
        settings.audio.input_device = input_device
    live = answers is None and not typed
    if live and settings.audio.end_mode == "key" and not sys.stdin.isatty():
        settings.audio.end_mode = "silence"  # no keyboard to press: end answers after a generous silence
    scenario = _scenario_set(ctx).get(scenario_id)
    scenario, tailoring = _tailor(scenario, settings, cv, job, no_tailor, as_json)
    chosen = backends.build(settings, answers=answers, typed=typed, speech=not no_speech)
    missing: list[int] = getattr(chosen.recorder, "missing_questions", lambda n: [])(len(scenario.questions))
    say = _with_enter_to_finish(_say(as_json), chosen, as_json)
    if missing:
        say_notice = ", ".join(str(n) for n in missing)
        click.echo(
            f"  ! no answer file for question(s) {say_notice}: they will be marked unanswered", err=as_json
        )
    rehearsal = Rehearsal.begin(
        scenario, chosen, SessionStore(), say, reask_on_silence=answers is None, tailoring=tailoring
    )
    click.echo(
        f"Session {rehearsal.session.id} ({scenario.title}); answers from {chosen.recorder.label}.",
        err=as_json,
    )
    _run_to_end(rehearsal, as_json)


def _tailor(
    scenario: Any, settings: Any, cv: Path | None, job: Path | None, skip: bool, to_stderr: bool
) -> tuple[Any, str | None]:
    """The scenario tailored to the CV and job description (given now, or remembered), and a label for the
    session's inputs; given files are remembered in the settings file for next time."""
    if skip:
        return scenario, None
    from voicemock import backends
    from voicemock.config import remember
    from voicemock.tailoring import read_material, tailored_scenario

    cv_path = str(cv.expanduser().resolve()) if cv else settings.tailor.cv
    job_path = str(job.expanduser().resolve()) if job else settings.tailor.job
    material = read_material(cv_path, job_path)  # a bad file stops here, with a clear message
    if material is None:
        return scenario, None
    if cv or job:
        given = {"cv": cv_path if cv else None, "job": job_path if job else None}
        remember("tailor", {k: v for k, v in given.items() if v})
    elif material is not None:
        click.echo(f"Tailoring to your {material.files} (remembered; --no-tailor skips it).", err=to_stderr)
    result = tailored_scenario(
        scenario,
        material,
        settings,
        backends.build_scenario_writer(settings),
        lambda text: click.echo(f"  ! {text}", err=to_stderr),
    )
    click.echo(f"Tailored: {result.label}.", err=to_stderr)
    return result.scenario, result.label


def _run_to_end(rehearsal: Any, as_json: bool) -> None:
    try:
        report = rehearsal.run()
    except KeyboardInterrupt:
        rehearsal.wait_loaded()  # exiting mid-load aborts inside ctranslate2
        rehearsal.session.append("interrupted")
        click.echo(
            f"\nInterrupted. Everything answered so far is saved in {rehearsal.session.path}\n"
            f"Resume with: voicemock resume {rehearsal.session.id}",
            err=True,
        )
        sys.exit(130)
    md = rehearsal.session.path / "debrief.md"
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo("\n" + md.read_text(encoding="utf-8"))
    click.echo(f"Debrief saved: {md}", err=True)


@cli.command("resume")
@click.argument("session_id")
@click.option("--answers", type=click.Path(path_type=Path), help="Answer files for the remaining questions.")
@click.option("--typed", is_flag=True, help="Type the remaining answers.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--no-speech", is_flag=True)
@scenarios_option
@click.pass_context
def resume_cmd(
    ctx: click.Context,
    session_id: str,
    answers: Path | None,
    typed: bool,
    as_json: bool,
    no_speech: bool,
    scenario_dirs: tuple[Path, ...] = (),
) -> None:
    """Continue an unfinished session where it stopped."""
    from voicemock import backends
    from voicemock.config import load_settings
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    settings = load_settings()
    session = SessionStore().open(session_id)
    chosen = backends.build(settings, answers=answers, typed=typed, speech=not no_speech)
    rehearsal = Rehearsal.resume(
        session,
        _scenario_set(ctx),
        chosen,
        _say(as_json),
        reask_on_silence=answers is None,
    )
    click.echo(f"Resuming {session.id}.", err=as_json)
    _run_to_end(rehearsal, as_json)


@cli.command("sessions")
@click.option("--json", "as_json", is_flag=True)
def sessions_cmd(as_json: bool) -> None:
    """List past sessions, newest last; unfinished ones can be resumed."""
    from voicemock.store import SessionStore

    rows = SessionStore().summaries()
    if as_json:
        click.echo(
            json.dumps([{**r.__dict__, "path": str(r.path), "status": r.status} for r in rows], indent=2)
        )
        return
    if not rows:
        click.echo(f"No sessions yet in {SessionStore().root}.")
        return
    for r in rows:
        scores = " ".join(f"{k[:4]}={v}" for k, v in r.scores.items())
        click.echo(f"{r.id:48} {r.status:10} {r.answered:2} answered  {scores}")
    unfinished = [r for r in rows if not r.finished]
    if unfinished:
        click.echo(f"\nResume an unfinished session with: voicemock resume {unfinished[-1].id}")


@cli.command("show")
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(session_id: str, as_json: bool) -> None:
    """Print a session's debrief (or its transcript so far, if unfinished)."""
    from voicemock.store import SessionStore

    session = SessionStore().open(session_id)
    if session.finished:
        name = "debrief.json" if as_json else "debrief.md"
        click.echo((session.path / name).read_text(encoding="utf-8"))
        return
    turns, pending, _rec, _ended = session.state()
    click.echo(f"Session {session.id} is unfinished ({len(turns)} prompts settled).")
    for t in turns:
        click.echo(
            f"\n{t.prompt.text}\n  -> {t.transcript.text if t.transcript else '(' + str(t.status) + ')'}"
        )
    if pending:
        click.echo(f"\nWaiting for: {pending.text}")
    click.echo(f"\nResume with: voicemock resume {session.id}")


@cli.command("progress")
@click.option("--job", type=click.Path(path_type=Path), help="Rank scenarios for this job description.")
@scenarios_option
@click.pass_context
def progress_cmd(ctx: click.Context, scenario_dirs: tuple[Path, ...], job: Path | None = None) -> None:
    """Your trend per dimension over sessions, and which scenario to practise next."""
    from voicemock.config import load_settings
    from voicemock.progress import progress, to_text
    from voicemock.store import SessionStore
    from voicemock.tailoring import practise_next_text

    click.echo(to_text(progress(SessionStore(), _scenario_set(ctx))))
    job_file = job or load_settings().tailor.job  # the job description remembered from a tailored run
    if job_file:
        try:
            click.echo(practise_next_text(Path(job_file), _scenario_set(ctx)))
        except VoicemockError as exc:  # the trend above still stands
            click.echo(f"  ! cannot rank scenarios for the job description: {exc}", err=True)


@cli.command("devices")
def devices_cmd() -> None:
    """List audio input and output devices (for --input-device and speech.output_device)."""
    from voicemock.backends import devices

    try:
        found = devices.list_devices()
    except VoicemockError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    if not found:
        click.echo(
            "No audio devices found. Answers can still come from files (--answers) or typing (--typed)."
        )
        return
    for d in found:
        click.echo(d.describe())


@cli.command("doctor")
def doctor_cmd() -> None:
    """Check speech, audio devices, the Whisper model, the LLM endpoint and the data directory."""
    from voicemock.doctor import run_checks

    ok = True
    for check in run_checks():
        mark = "ok  " if check.ok else ("warn" if check.optional else "FAIL")
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"       fix: {check.fix}")
        ok = ok and (check.ok or check.optional)
    sys.exit(0 if ok else 1)


@cli.command("demo")
@click.option("--scenario", "-s", "scenario_id", default="fraud-success-metrics")
@click.option("--no-speech", is_flag=True)
@scenarios_option
@click.pass_context
def demo_cmd(ctx: click.Context, scenario_id: str, no_speech: bool, scenario_dirs: tuple[Path, ...]) -> None:
    """A full headless interview whose answers are synthesized from sample texts in another voice."""
    from voicemock.demo import prepare_answers

    answers = prepare_answers(scenario_id)
    click.echo(f"Synthesized the sample candidate's answers into {answers}")
    ctx.invoke(
        run_cmd,
        scenario_id=scenario_id,
        answers=answers,
        typed=False,
        as_json=False,
        no_speech=no_speech,
        input_device=None,
        no_tailor=True,  # the demo's sample answers are written for the untailored questions
        scenario_dirs=scenario_dirs,
    )


@cli.group("config", invoke_without_command=True)
@click.pass_context
def config_cmd(ctx: click.Context) -> None:
    """Show every setting in effect and where its value came from (default, file or environment)."""
    if ctx.invoked_subcommand is not None:
        return
    from voicemock.config import effective

    path = paths.config_file()
    click.echo(f"Settings file: {path}{'' if path.is_file() else ' (not created yet: all defaults)'}\n")
    rows = effective(path)
    width = max(len(r.key) for r in rows)
    for r in rows:
        click.echo(f"{r.key:{width}}  {r.value:28}  {r.origin}")
    click.echo("\nChange a value in the file, or with an environment variable: `voicemock config reference`.")


@config_cmd.command("path")
def config_path_cmd() -> None:
    """Print where the settings file is (it may not exist yet)."""
    click.echo(paths.config_file())


@config_cmd.command("reference")
def config_reference_cmd() -> None:
    """Print the reference of every setting, its default and its environment variable (docs/settings.md)."""
    from voicemock.config import reference_markdown

    click.echo(reference_markdown(), nl=False)


def main() -> None:
    """Entry point: user errors are printed plainly, never as tracebacks."""
    try:
        cli.main(standalone_mode=False)
    except VoicemockError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as exc:  # a bug: keep the traceback for a report, show the user one clear line
        log = _write_crash_log(exc)
        click.echo(f"error: voicemock hit an internal error ({exc.__class__.__name__}: {exc}).", err=True)
        click.echo(f"  Your session files are kept. Details for a bug report: {log}", err=True)
        sys.exit(70)


def _write_crash_log(exc: BaseException) -> Path:
    import traceback

    path = paths.data_dir() / "crash.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(traceback.format_exception(exc)) + "\n")
    return path
