"""Tailoring to a CV and a job description: real files (text, Markdown, PDF, DOCX), real extraction, the
shipped scenarios' slots, and the promise that every inserted fact is the candidate's own words."""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path

import docx
import pypdf
import pytest

from voicemock import paths
from voicemock.documents import Document, DocumentError, read_document, squash
from voicemock.errors import ScenarioError
from voicemock.extract import extract_cv, extract_job
from voicemock.scenario import Scenario, ScenarioSet, load_scenario
from voicemock.slots import PLACEHOLDER, Slot
from voicemock.tailor import rank_scenarios, tailor
from voicemock.themes import is_ai

FIXTURES = Path(__file__).parent / "data" / "tailor"
HELDOUT = Path(__file__).parent / "data" / "tailor-heldout"
"""Two more CVs written after the extractor was first frozen (see tests/data/tailor-heldout/README.md)."""
PAIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir())
ALL_PAIRS = PAIRS + sorted(p for p in HELDOUT.iterdir() if p.is_dir())


def _file(directory: Path, stem: str) -> Path:
    return next(p for p in sorted(directory.iterdir()) if p.stem == stem)


def _load(directory: Path) -> tuple[Document, Document]:
    return read_document(_file(directory, "cv"), "CV"), read_document(
        _file(directory, "job"), "job description"
    )


@pytest.fixture(scope="module")
def shipped() -> ScenarioSet:
    return ScenarioSet([paths.shipped_scenarios_dir()])


def _independent_text(path: Path) -> str:
    """The file's text read without voicemock's reader: pypdf / python-docx directly, or the raw bytes with
    Markdown emphasis and heading marks removed; whitespace collapsed."""
    if path.suffix == ".pdf":
        text = "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)
        text = re.sub(r"(?<=[A-Za-z])-\n(?=[A-Za-z])", "-", text)  # a word hyphenated at a line break
    elif path.suffix == ".docx":
        text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    else:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".md":
            text = re.sub(r"\*\*|__|^#+\s*", "", text, flags=re.MULTILINE)
    return squash(text)


def test_fixtures_cover_formats_seniority_and_domains() -> None:
    assert len(PAIRS) >= 6
    cv_formats = {_file(p, "cv").suffix for p in PAIRS}
    assert {".pdf", ".docx", ".md", ".txt"} <= cv_formats
    pdf = _file(FIXTURES / "03-health-pdf", "cv")
    metadata = pypdf.PdfReader(pdf).metadata
    assert metadata is not None and "LibreOffice" in str(metadata.producer)  # made by a real tool


@pytest.mark.parametrize("pair", ALL_PAIRS, ids=lambda p: p.name)
def test_every_inserted_fact_is_verbatim_from_the_inputs(pair: Path, shipped: ScenarioSet) -> None:
    cv, job = _load(pair)
    profile, posting = extract_cv(cv), extract_job(job)
    raw = {"cv": _independent_text(cv.path), "job": _independent_text(job.path)}
    docs = {"cv": cv, "job": job}
    tailored_total = 0
    for scenario in shipped:
        result = tailor(scenario, profile, posting)
        for original, question in zip(scenario.questions, result.scenario.questions, strict=True):
            pairs = [(original.slot, original.text, question.text, question.based_on)]
            pairs += [
                (o.slot, o.follow_up, t.follow_up, t.based_on)
                for o, t in zip(original.signals, question.signals, strict=True)
            ]
            for slot, authored, asked, sources in pairs:
                if not sources:
                    assert asked == authored  # untailored: exactly as the author wrote it
                    continue
                tailored_total += 1
                assert slot is not None and len(sources) == 1
                source = sources[0]
                # The only change is the quote in place of the placeholder ...
                assert asked == slot.render(source.quote)
                assert not PLACEHOLDER.search(asked)
                # ... and the quote is the candidate's (or the job description's) own words, ...
                assert squash(source.quote) in raw[source.document], source.quote
                # ... found where the scenario says it is.
                doc = docs[source.document]
                assert source.file == doc.name
                line = next(line for line in doc.lines if line.where == source.where)
                first_words = " ".join(source.quote.split()[:3])
                assert first_words in line.text, (source.where, line.text, source.quote)
    assert tailored_total >= 8


def test_tailoring_is_deterministic(shipped: ScenarioSet) -> None:
    cv, job = _load(FIXTURES / "01-senior-fintech")
    scenario = shipped.get("recruiter-screen")
    first = tailor(scenario, extract_cv(cv), extract_job(job))
    again = tailor(scenario, extract_cv(read_document(cv.path)), extract_job(read_document(job.path, "job")))
    assert first.scenario == again.scenario
    assert (first.questions, first.follow_ups) == (3, 2)


def test_a_cv_with_no_ai_project_still_gets_sensible_questions(shipped: ScenarioSet) -> None:
    cv, job = _load(FIXTURES / "05-no-ai-saas")
    profile = extract_cv(cv)
    assert profile.projects and profile.claims and profile.roles
    assert not profile.has_ai
    total = 0
    for scenario in shipped:
        result = tailor(scenario, profile, extract_job(job))
        for original, question in zip(scenario.questions, result.scenario.questions, strict=True):
            if original.slot is not None and original.slot.ai_only:
                # Nothing in this CV is about AI: the question is asked as written, never bent around
                # a billing project it does not fit.
                assert question.text == original.text and not question.based_on
            for o, t in zip(original.signals, question.signals, strict=True):
                if o.slot is not None and o.slot.ai_only:
                    assert t.follow_up == o.follow_up
            total += len(question.based_on) + sum(len(r.based_on) for r in question.signals)
        assert all(not is_ai(s.quote) for q in result.scenario.questions for s in q.based_on)
    recruiter = tailor(shipped.get("recruiter-screen"), profile, extract_job(job))
    assert recruiter.questions >= 1 and "mentions no AI" in " ".join(recruiter.notes)
    assert total >= 5  # still about their own work: roles, results, the job's requirements


def test_no_cv_or_job_leaves_the_scenario_as_written(shipped: ScenarioSet) -> None:
    for scenario in shipped:
        result = tailor(scenario, None, None)
        assert result.questions == result.follow_ups == 0
        assert [q.text for q in result.scenario.questions] == [q.text for q in scenario.questions]


def test_a_job_description_alone_fills_requirement_slots(shipped: ScenarioSet) -> None:
    _cv, job = _load(FIXTURES / "03-health-pdf")
    result = tailor(shipped.get("leadership-stories"), None, extract_job(job))
    quoted = [s for q in result.scenario.questions for s in q.based_on]
    assert [s.document for s in quoted] == ["job"]
    assert "clinicians and executives" in quoted[0].quote  # the line that fits "explain to a leader"


def test_follow_ups_hold_the_candidate_to_their_own_number(shipped: ScenarioSet) -> None:
    cv, job = _load(FIXTURES / "01-senior-fintech")
    result = tailor(shipped.get("recruiter-screen"), extract_cv(cv), extract_job(job))
    question = result.scenario.question("ai-product")
    ref = next(r for r in question.signals if r.id == "impact_story")
    assert ref.based_on[0].quote == question.based_on[0].quote  # the claim the question is about
    assert "31%" in ref.follow_up and "How do you know it was the model" in ref.follow_up


def test_extraction_from_the_pdf_cv() -> None:
    cv = read_document(FIXTURES / "03-health-pdf" / "cv.pdf", "CV")
    assert cv.format == "pdf" and cv.lines[0].where == "page 1, line 1"
    profile = extract_cv(cv)
    assert profile.roles[0].text == "Product Manager, Clinical Decision Support — Veridia Health, Boston"
    claims = [c.text for c in profile.claims if c.result]
    # a bullet wrapped over two lines of the PDF, and a word hyphenated at the break, come back whole
    assert (
        "Shipped appointment reminders by text message to 300,000 patients, reducing no-shows by 18%"
        in claims
    )
    assert any(c.startswith("Reduced alert volume per nurse shift by 35%") for c in claims)
    assert "HL7 FHIR" in [s.text for s in profile.skills]


def test_extraction_from_the_docx_cv_and_a_docx_table(tmp_path: Path) -> None:
    profile = extract_cv(read_document(FIXTURES / "04-director-marketplace" / "cv.docx"))
    assert [r.text for r in profile.roles][:2] == [
        "Director of Product, Search & Discovery — Hearthmarket",
        "Group Product Manager, Seller Tools — Hearthmarket",
    ]
    assert any("raising click-through 23%" in c.text for c in profile.claims)
    assert profile.roles[0].line.where == "paragraph 6"

    document = docx.Document()
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Product Lead, Search"
    table.cell(0, 1).text = "Grew weekly searches 40% with a ranking model"
    path = tmp_path / "table.docx"
    document.save(str(path))
    read = read_document(path)
    assert "Grew weekly searches 40% with a ranking model" in read.text


def test_fixes_found_on_the_held_out_cvs() -> None:
    mle = extract_cv(read_document(HELDOUT / "07-mle-to-tpm" / "cv.md"))
    assert mle.roles[0].text == "Senior Machine Learning Engineer, Polaris Insurance — Toronto"  # no "·"
    skills = [s.text for s in mle.skills]
    assert "PyTorch" in skills and not {"Area", "Tools", "ML", "Data", "Product"} & set(
        skills
    )  # table labels
    voice = extract_cv(read_document(HELDOUT / "08-voice-automotive" / "cv.txt"))
    assert voice.roles[0].text.startswith("Senior Product Manager, Voice Assistant")  # not the headline
    job = extract_job(read_document(HELDOUT / "07-mle-to-tpm" / "job.md", "job description"))
    plus = next(r for r in job.requirements if "strong plus" in r.text)
    assert plus.weight < 1.0 and job.requirements[0] is not plus  # "a strong plus" is optional


def test_job_description_emphasis_and_skipped_sections() -> None:
    _cv, job = _load(FIXTURES / "06-genai-startup")
    posting = extract_job(job)
    texts = [r.text for r in posting.requirements]
    assert texts[0].startswith("Deep, hands-on familiarity with LLM evaluation")
    assert not any("$185k" in t or "health coverage" in t for t in texts)  # benefits are not requirements
    assert next(iter(posting.emphasis)) in {"genai", "ml"}


@pytest.mark.parametrize(
    ("pair", "expected"),
    [
        ("03-health-pdf", "medical-triage"),
        ("06-genai-startup", "text-to-image-feature"),
        ("01-senior-fintech", "ml-deep-dive"),
    ],
)
def test_practise_next_follows_what_the_job_description_emphasises(
    pair: str, expected: str, shipped: ScenarioSet
) -> None:
    _cv, job = _load(FIXTURES / pair)
    fits = rank_scenarios(extract_job(job), shipped)
    assert fits[0].scenario.id == expected
    assert fits[0].reasons and "the job description emphasises" in fits[0].describe()
    assert [f.score for f in fits] == sorted((f.score for f in fits), reverse=True)


# ---------------------------------------------------------------------------------------------------------
# Files that cannot be used


def _blank_pdf(path: Path, password: str | None = None) -> Path:
    writer = pypdf.PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    with open(path, "wb") as f:
        writer.write(f)
    return path


@pytest.mark.parametrize(
    ("name", "make", "expected"),
    [
        ("empty.txt", lambda p: p.write_text(""), "is empty"),
        ("blank.md", lambda p: p.write_text("\n   \n# \n---\n"), "is empty"),
        ("missing.pdf", lambda p: None, "no such file"),
        ("cv.doc", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0"), "cannot read an old Word .doc file"),
        ("cv.pages", lambda p: p.write_bytes(b"x"), "cannot read a Pages file"),
        ("notes.xyz", lambda p: p.write_text("hello"), "unknown file type"),
        ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.7\n" + os.urandom(400)), "is not a readable PDF"),
        ("scan.pdf", lambda p: _blank_pdf(p), "has no text layer"),
        ("locked.pdf", lambda p: _blank_pdf(p, "secret"), "is password-protected"),
        (
            "broken.docx",
            lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"),
            "is not a readable Word document",
        ),
        ("binary.txt", lambda p: p.write_bytes(b"\x00\x01\x02" * 100), "is not a text file"),
        ("really-a-pdf.txt", lambda p: p.write_bytes(b"%PDF-1.4 ..."), "looks like a PDF"),
    ],
)
def test_unreadable_or_empty_files_get_a_clear_message(
    tmp_path: Path, name: str, make: object, expected: str
) -> None:
    path = tmp_path / name
    make(path)  # type: ignore[operator]
    with pytest.raises(DocumentError) as caught:
        read_document(path, "CV")
    message = str(caught.value)
    assert expected in message and name in message and message.startswith("CV ")
    assert caught.value.fix


def test_a_directory_a_fifo_and_an_empty_docx_are_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="is a directory"):
        read_document(tmp_path, "CV")
    fifo = tmp_path / "cv.txt"
    os.mkfifo(fifo)
    with pytest.raises(DocumentError, match="not a regular file"):
        read_document(fifo, "CV")  # must not block waiting for a writer
    empty = tmp_path / "empty.docx"
    docx.Document().save(str(empty))
    with pytest.raises(DocumentError, match="is empty"):
        read_document(empty, "CV")
    zipped = tmp_path / "other.docx"
    with zipfile.ZipFile(zipped, "w") as z:
        z.writestr("hello.txt", "not a word document")
    with pytest.raises(DocumentError, match="not a readable Word document"):
        read_document(zipped, "CV")


def test_text_in_older_encodings_and_with_control_characters(tmp_path: Path) -> None:
    path = tmp_path / "cv.txt"
    path.write_bytes("Experience\n- Cut churn 12% for caf\xe9 owners\x1b[31m\n".encode("cp1252"))
    doc = read_document(path)
    assert "Cut churn 12% for café owners[31m" in doc.text and "\x1b" not in doc.text


# ---------------------------------------------------------------------------------------------------------
# The slot schema


def test_slot_text_must_hold_its_placeholder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\{claim\} exactly once"):
        Slot(fill="claim", text="No placeholder here?")
    with pytest.raises(ValueError, match=r"found \{project\}"):
        Slot(fill="claim", text="About {project}?")
    shipped = (paths.shipped_scenarios_dir() / "recruiter-screen.toml").read_text(encoding="utf-8")
    broken = shipped.replace("I see {role} as", "I see {roles} as")
    path = tmp_path / "recruiter-screen.toml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "{roles}" in x)) + 1
    assert f"recruiter-screen.toml:{line}" in str(caught.value) or "questions[0].slot" in str(caught.value)


def test_shipped_scenarios_have_slots_and_still_validate(shipped: ScenarioSet) -> None:
    slots = [q.slot for s in shipped for q in s.questions if q.slot] + [
        r.slot for s in shipped for q in s.questions for r in q.signals if r.slot
    ]
    assert len(slots) >= 12
    assert {s.fill for s in slots} == {"project", "claim", "role", "skill", "requirement"}
    assert not shipped.errors


def test_a_tailored_scenario_is_valid_and_round_trips(tmp_path: Path, shipped: ScenarioSet) -> None:
    from voicemock.scenario import scenario_toml

    cv, job = _load(FIXTURES / "02-career-switcher-edtech")
    result = tailor(shipped.get("leadership-stories"), extract_cv(cv), extract_job(job))
    path = tmp_path / "leadership-stories.toml"
    path.write_text(scenario_toml(result.scenario), encoding="utf-8")
    again = load_scenario(path)
    assert again.model_copy(update={"source": ""}) == result.scenario.model_copy(update={"source": ""})
    assert isinstance(again, Scenario) and any(q.based_on for q in again.questions)


def test_documents_locate_quotes_across_wrapped_lines() -> None:
    doc = read_document(FIXTURES / "02-career-switcher-edtech" / "cv.txt")
    quote = "the model lifted course starts by 14% in its first A/B test"
    assert doc.contains(quote)
    line = doc.locate(quote)
    assert line is not None and line.where == "line 13"  # where the quote starts
    assert not doc.contains("lifted course starts by 15%")
    assert doc.locate("not in this CV at all") is None
