"""Command-line entry points. Thin: parsing, printing and error handling; the work is elsewhere.

Heavy libraries (faster-whisper, sounddevice, openai, textual) are imported only inside the commands that
need them, so ``voicemock --help`` and ``voicemock scenarios`` stay fast.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from pathlib import Path
from typing import Any, NoReturn

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


def _report_skipped(found: Any) -> None:
    """One line on stderr for the scenario files that were skipped, and one per duplicate id."""
    from voicemock.scenario import strip_controls

    if found.errors:
        names = ", ".join(sorted({strip_controls(Path(str(e.path)).name) for e in found.errors if e.path}))
        click.echo(
            f"  ! skipped {len(found.errors)} invalid scenario file(s): {names} ('voicemock scenarios' says why)",
            err=True,
        )
    for warning in found.warnings:
        click.echo(f"  ! {warning}", err=True)


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
    for note in found.overrides:
        click.echo(f"  note: {note}")
    for warning in found.warnings:
        click.echo(f"warning: {warning}", err=True)
    if found.errors:
        click.echo(f"\n{len(found.errors)} invalid scenario file(s), skipped:", err=True)
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
    from voicemock.console import Console, with_enter_to_finish
    from voicemock.protocols import PreparedAnswers
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    settings = load_settings()
    if input_device:
        settings.audio.input_device = input_device
    live = answers is None and not typed
    if live and settings.audio.end_mode == "key" and not sys.stdin.isatty():
        settings.audio.end_mode = "hands-free"  # no keyboard to press: answers end when the speaker stops
    found = _scenario_set(ctx)
    scenario = found.get(scenario_id)
    _report_skipped(found)
    scenario, tailoring = _tailor(scenario, settings, cv, job, no_tailor, as_json)
    chosen = backends.build(settings, answers=answers, typed=typed, speech=not no_speech)
    recorder = chosen.recorder
    missing = recorder.missing_questions(len(scenario.questions)) if isinstance(recorder, PreparedAnswers) else []
    console = Console(as_json)
    say = with_enter_to_finish(
        console, lambda: chosen.recorder, as_json, hands_free=settings.audio.end_mode == "hands-free"
    )
    if missing:
        say_notice = ", ".join(str(n) for n in missing)
        click.echo(
            f"  ! no answer file for question(s) {say_notice}: they will be marked unanswered", err=as_json
        )
    global _store
    _store = SessionStore()
    rehearsal = Rehearsal.begin(
        scenario, chosen, _store, say, reask_on_silence=answers is None, tailoring=tailoring
    )
    console.rehearsal = rehearsal
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


def _run_to_end(rehearsal: Any, as_json: bool, show: bool = True) -> Any:
    """Run the rehearsal to its debrief and print it (JSON with ``as_json``; Markdown when ``show``)."""
    global _active
    _active = rehearsal
    try:
        report = rehearsal.run()
    except KeyboardInterrupt:
        _interrupted(rehearsal)
    md = rehearsal.session.path / "debrief.md"
    if as_json:
        click.echo(report.to_json())
    elif show:
        click.echo("\n" + md.read_text(encoding="utf-8"))
    click.echo(f"Debrief saved: {md}", err=True)
    _active = None
    return report


_active: Any = None
"""The rehearsal this process is running, so that any way out can say how to resume it."""


def _interrupted(rehearsal: Any) -> NoReturn:
    """Ctrl-C: journal the interruption and say how to resume. A second Ctrl-C cannot cut this short."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    session = rehearsal.session if rehearsal is not None else _store.created if _store is not None else None
    if rehearsal is not None:
        rehearsal.wait_loaded()  # exiting mid-load aborts inside ctranslate2
    if session is None:
        click.echo("\nInterrupted before anything was recorded.", err=True)
        sys.exit(130)
    # a full disk: everything before is saved all the same, and the hint below still holds
    with contextlib.suppress(VoicemockError):
        session.append("interrupted")
    click.echo(
        f"\nInterrupted. Everything answered so far is saved in {session.path}\n"
        f"Resume with: voicemock resume {session.id}",
        err=True,
    )
    sys.exit(130)


_store: Any = None
"""The session store of the running command: a Ctrl-C while a session is being set up still names it."""


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
    from voicemock.backends.answer_files import AnswerFilesRecorder, NoAnswerFiles
    from voicemock.config import load_settings
    from voicemock.console import Console, with_enter_to_finish
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    settings = load_settings()
    session = SessionStore().open(session_id)
    scenarios = _scenario_set(ctx)
    _report_skipped(scenarios)
    if answers is None and not typed and settings.audio.end_mode == "key" and not sys.stdin.isatty():
        settings.audio.end_mode = "hands-free"  # no keyboard to press: answers end when the speaker stops
    try:
        chosen = backends.build(settings, answers=answers, typed=typed, speech=not no_speech)
    except NoAnswerFiles:
        state = session.state()
        if answers is None or state.pending is not None or state.ended is None:
            raise
        # Every prompt is settled (it stopped while writing the debrief): no answer is needed to finish.
        recorder = AnswerFilesRecorder(answers, settings.whisper.max_answer_seconds, require_files=False)
        chosen = backends.build(settings, recorder=recorder, speech=not no_speech)
    console = Console(as_json)
    rehearsal = Rehearsal.resume(
        session,
        scenarios,
        chosen,
        with_enter_to_finish(
            console, lambda: chosen.recorder, as_json, hands_free=settings.audio.end_mode == "hands-free"
        ),
        reask_on_silence=answers is None,
    )
    console.rehearsal = rehearsal
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
        busy = f"  (open in pid {r.open_in})" if r.open_in else ""
        click.echo(f"{r.id:48} {r.status:10} {r.answered:2} answered  {scores}{busy}")
    unfinished = [r for r in rows if not r.finished and not r.open_in]
    if unfinished:
        click.echo(f"\nResume an unfinished session with: voicemock resume {unfinished[-1].id}")
    broken = SessionStore().unreadable()
    if broken:
        click.echo(f"\n{len(broken)} session folder(s) without a readable journal (nothing to resume):")
        for path in broken:
            click.echo(f"  {path}")


@cli.command("show")
@click.argument("session_id")
@click.option("--json", "as_json", is_flag=True)
def show_cmd(session_id: str, as_json: bool) -> None:
    """Print a session's debrief, attempts side by side (or its transcript so far, if unfinished)."""
    from voicemock.report import to_markdown, turn_label
    from voicemock.store import SessionStore

    session = SessionStore().open(session_id)
    state = session.state()
    report = session.debrief() if state.finished else None
    if report is not None:
        click.echo(report.to_json() if as_json else to_markdown(report), nl=as_json)
        return
    click.echo(f"Session {session.id} is unfinished ({len(state.turns)} prompts settled).")
    for t in state.turns:
        again = f", attempt {t.prompt.attempt}" if t.prompt.attempt > 1 else ""
        who = f"Q{t.prompt.number}{again}, {turn_label(str(t.prompt.kind), t.prompt.follow_up_index)}"
        answer = t.transcript.text if t.transcript else "(" + str(t.status) + ")"
        click.echo(f"\n{who}: {t.prompt.text}\n  -> {answer}")
    if state.pending:
        click.echo(f"\nWaiting for: {state.pending.text}")
    click.echo(f"\nResume with: voicemock resume {session.id}")


@cli.command("retry")
@click.argument("session_id")
@click.option(
    "--question", "-q", "number", type=int, required=True, help="The question to answer again (1, 2, ...)."
)
@click.option(
    "--answers",
    type=click.Path(path_type=Path),
    help="Answer files for the new attempt (1.wav, 1-1.txt ...).",
)
@click.option("--typed", is_flag=True, help="Type the new attempt's answers on stdin.")
@click.option("--json", "as_json", is_flag=True, help="Print the new debrief as JSON on stdout.")
@click.option("--no-speech", is_flag=True, help="Do not synthesize or play the persona's questions.")
@scenarios_option
@click.pass_context
def retry_cmd(
    ctx: click.Context,
    session_id: str,
    number: int,
    answers: Path | None,
    typed: bool,
    as_json: bool,
    no_speech: bool,
    scenario_dirs: tuple[Path, ...] = (),
) -> None:
    """Answer one question of a session again, as a new attempt, and compare it with the earlier ones.

    The attempt is stored in the same session (nothing is overwritten) and the debrief is rebuilt with the
    attempts side by side. Answer files are named as for 'run': N.wav answers the question, N-1.txt its
    first follow-up.
    """
    from voicemock import backends
    from voicemock.config import load_settings
    from voicemock.console import Console, with_enter_to_finish
    from voicemock.report import question_markdown
    from voicemock.session import Rehearsal
    from voicemock.store import SessionStore

    if answers is None and not typed:
        raise click.UsageError("give the new attempt's answers: --answers DIR or --typed")
    session = SessionStore().open(session_id)
    scenarios = _scenario_set(ctx)
    _report_skipped(scenarios)
    settings = load_settings()
    if answers is None and not typed and settings.audio.end_mode == "key" and not sys.stdin.isatty():
        settings.audio.end_mode = "hands-free"  # no keyboard to press: answers end when the speaker stops
    chosen = backends.build(settings, answers=answers, typed=typed, speech=not no_speech)
    console = Console(as_json)
    rehearsal = Rehearsal.resume(
        session,
        scenarios,
        chosen,
        with_enter_to_finish(
            console, lambda: chosen.recorder, as_json, hands_free=settings.audio.end_mode == "hands-free"
        ),
        reask_on_silence=answers is None,
        reopen=True,
    )
    console.rehearsal = rehearsal
    count = len(rehearsal.scenario.questions)
    if not 1 <= number <= count:
        rehearsal.wait_loaded()  # exiting mid-load aborts inside ctranslate2
        raise VoicemockError(
            f"{rehearsal.scenario.title} has no question {number}", fix=f"pass --question 1 to {count}"
        )
    prompt = rehearsal.retry(number)
    click.echo(f"Session {session.id}: question {number}, attempt {prompt.attempt}.", err=as_json)
    report = _run_to_end(rehearsal, as_json, show=False)
    if not as_json:
        click.echo("\n" + question_markdown(report, number))


@cli.command("progress")
@click.option("--question", help="List every attempt at one question over time: its id, or SCENARIO/ID.")
@click.option("--job", type=click.Path(path_type=Path), help="Rank scenarios for this job description.")
@scenarios_option
@click.pass_context
def progress_cmd(
    ctx: click.Context, question: str | None, scenario_dirs: tuple[Path, ...], job: Path | None = None
) -> None:
    """Your trend per dimension and which scenario to practise next; or every attempt at one question."""
    from voicemock.config import load_settings
    from voicemock.progress import progress, question_history, question_text, to_text
    from voicemock.store import SessionStore
    from voicemock.tailoring import practise_next_text

    found = _scenario_set(ctx)
    _report_skipped(found)
    if question:
        click.echo(question_text(question_history(SessionStore(), found, question)), nl=False)
        return
    click.echo(to_text(progress(SessionStore(), found)))
    job_file = job or load_settings().tailor.job  # the job description remembered from a tailored run
    if job_file:
        try:
            click.echo(practise_next_text(Path(job_file), found))
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
        _fail(exc)
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns a Ctrl-C it catches into Abort; either way, say what is saved and how to go on
        _interrupted(_active)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except SystemExit:
        raise
    except Exception as exc:  # a bug, or a full disk that reached us unannounced
        from voicemock import diskspace

        if diskspace.is_full(exc):
            path = Path(getattr(exc, "filename", None) or paths.data_dir())
            full = _active.disk_full(exc) if _active is not None else diskspace.error_from(exc, path)
            _fail(full)
        log = _write_crash_log(exc)
        click.echo(f"error: voicemock hit an internal error ({exc.__class__.__name__}: {exc}).", err=True)
        where = f"Details for a bug report: {log}" if log else "The details could not be saved (disk full?)."
        click.echo(f"  Your session files are kept. {where}", err=True)
        sys.exit(70)


def _fail(exc: VoicemockError) -> NoReturn:
    if _active is not None:
        _active.wait_loaded()  # exiting mid-load aborts inside ctranslate2
    click.echo(f"error: {exc}", err=True)
    sys.exit(2)


def _write_crash_log(exc: BaseException) -> Path | None:
    """Append the traceback to ``crash.log`` for a bug report; None when even that cannot be written."""
    import traceback

    path = paths.data_dir() / "crash.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            f.write("".join(traceback.format_exception(exc)) + "\n")
    except OSError:
        return None
    return path
