"""Facts from a CV and emphasised requirements from a job description, cut verbatim from their lines.

Deterministic and offline: headings, bullets and a few word lists decide what is a role, a project, a
quantified claim, a skill or a requirement. Every ``Fact.text`` is a piece of the document's own text
(whitespace collapsed; a bullet wrapped over two lines is joined with a space), so a question that quotes
it quotes the candidate's own words, and ``Fact.line`` says where it starts. Nothing is paraphrased,
completed or invented here; when the extractor is unsure, it leaves a line out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from voicemock.documents import Document, Line, join_lines
from voicemock.themes import THEMES, is_ai, terms, theme_hits

MAX_FACT_WORDS = 32
"""A quote longer than this is cut at a clause boundary: a spoken question cannot carry a paragraph."""
MIN_CLAUSE_WORDS = 5

KINDS = ("project", "claim", "role", "skill", "requirement")


@dataclass(frozen=True)
class Fact:
    """One thing a question can quote: verbatim text from the CV or job description, and where it is."""

    kind: str
    """"project", "claim", "role", "skill" or "requirement"."""
    text: str
    line: Line
    """The line it starts on."""
    document: Document
    section: str = ""
    """The heading it sits under, lower-cased ("experience", "requirements", ...)."""
    group: int = 0
    """Which role (or job-description section) it belongs to: a claim and a project in the same group are
    about the same job."""
    ai: bool = False
    result: bool = False
    """Quotes a measured result (a percentage, money, a multiple, "from X to Y"), not just a count."""
    weight: float = 1.0
    """For requirements: how strongly the job description emphasises it."""
    themes: tuple[str, ...] = ()
    words: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class CandidateProfile:
    """What the CV offers a question: roles (most recent first), projects, quantified claims and skills."""

    document: Document
    roles: tuple[Fact, ...] = ()
    projects: tuple[Fact, ...] = ()
    claims: tuple[Fact, ...] = ()
    skills: tuple[Fact, ...] = ()

    def of_kind(self, kind: str) -> tuple[Fact, ...]:
        return {"role": self.roles, "project": self.projects, "claim": self.claims, "skill": self.skills}.get(
            kind, ()
        )

    @property
    def has_ai(self) -> bool:
        return any(f.ai for f in self.projects + self.claims)


@dataclass(frozen=True)
class JobProfile:
    """The job description's requirements, most emphasised first, and how much it weighs each theme."""

    document: Document
    requirements: tuple[Fact, ...] = ()
    emphasis: dict[str, float] = field(default_factory=dict)
    """Theme id -> summed weight of the requirements that mention it."""

    def of_kind(self, kind: str) -> tuple[Fact, ...]:
        return self.requirements if kind == "requirement" else ()


# ---------------------------------------------------------------------------------------------------------
# Structure: headings, sections and items (a bullet with its wrapped lines, or a paragraph)

_BULLET = re.compile(
    r"^\s*(?:[-*+\u2022\u2023\u25aa\u25cf\u25e6\u2043\u2219\u00b7\u25a0\u25a1\u2013\u2014\uf0b7\uf0a7]|\d{1,2}[.)]|[a-z][.)])\s+"
)
_CV_SECTIONS = {
    "experience": r"(work |professional |relevant |career |employment )?(experience|history)|employment|career",
    "projects": r"(selected |key |side |personal |notable )?projects?|(selected )?achievements|highlights",
    "skills": r"(technical |core |key )?skills(\s*(and|&)\s*\w+)?|tools|technologies|competencies|expertise|toolkit",
    "summary": r"summary|profile|about( me)?|objective|professional summary",
    "education": r"education|certifications?|courses|training|qualifications",
    "other": r"publications?|awards?|honou?rs|languages|interests|volunteer\w*|references|talks|patents",
}
_JOB_SECTIONS = {
    "requirements": r"requirements?|qualifications?|(minimum|basic|required) qualifications|what (we're|we are|you'll need|you need)"
    r".*|(who|what) you (are|bring|have)|about you|you (have|bring|are|might be)|must[- ]haves?|skills.*|experience.*|"
    r"(we're|we are) looking for.*|the ideal candidate.*",
    "responsibilities": r"(key )?responsibilities|what you('ll| will) (do|own|work on)|you('ll| will)( \w+)?|(the|your) role|in this role.*|"
    r"the job|your (day|mission|impact).*|what the job involves|duties",
    "nice": r"(nice|good) to have.*|preferred( qualifications)?|bonus( points)?.*|plus(es)?|it'?s a plus.*|extra credit",
    "skip": r"about (us|the company|the team|[A-Z].*)|who we are|benefits|perks|compensation|salary|pay|how to apply|"
    r"equal opportunity.*|eeo|diversity.*|our (values|culture|mission)|why (join|work).*|location|logistics|the team|"
    r"what we offer|interview process",
}
_ROLE_WORDS = re.compile(
    r"\b(product (manager|owner|lead|director)|(senior |staff |principal |group |lead |associate )?(pm|apm)\b|"
    r"manager|lead|director|head of|vp|vice president|chief|engineer|analyst|scientist|consultant|designer|"
    r"founder|co-founder|owner|associate|intern|officer|specialist|researcher|strategist|architect|"
    r"coordinator|advisor|fellow|physician|nurse|doctor|teacher|assistant|editor|partner)\b",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"((jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+)?(19|20)\d\d\s*(-|\u2013|\u2014|to)\s*"
    r"(((jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+)?(19|20)\d\d|present|now|current|today)|"
    r"\b(19|20)\d\d\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?:]$")


def _section_of(text: str, table: dict[str, str]) -> str | None:
    probe = text.strip().rstrip(":").strip().lower()
    probe = re.sub(r"[^\w\s&'/+-]", "", probe).strip()
    for name, pattern in table.items():
        if re.fullmatch(pattern, probe, re.IGNORECASE):
            return name
    for name, pattern in table.items():  # "Compensation and benefits", "Skills and tools"
        if re.match(rf"(?:{pattern})\b", probe, re.IGNORECASE):
            return name
    return None


def _looks_like_heading(line: Line) -> bool:
    text = line.text
    if line.heading:
        return True
    if not text or _BULLET.match(text) or len(text.split()) > 6 or len(text) > 48:
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and all(c.isupper() for c in letters) and len(letters) > 2:
        return True
    return text.endswith(":") and not _SENTENCE_END.search(text[:-1])


_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


@dataclass
class _Item:
    """A bullet (with any wrapped continuation lines) or a paragraph line, under a section."""

    text: str
    line: Line
    section: str
    group: int
    bullet: bool


def _items(doc: Document, table: dict[str, str]) -> tuple[list[_Item], list[tuple[Line, str, int]]]:
    """The document's items and its non-bullet "header" lines (role lines), each with its section."""
    items: list[_Item] = []
    headers: list[tuple[Line, str, int]] = []
    section = ""
    group = 0
    current: _Item | None = None
    for line in doc.lines:
        text = line.text
        if not text:
            current = None
            continue
        named = _section_of(text, table) if _looks_like_heading(line) or len(text.split()) <= 4 else None
        if named is not None or _looks_like_heading(line):
            if named is not None:
                section = named
            group += 1
            current = None
            if named is None:
                headers.append((line, section, group))
            continue
        if _TABLE_RULE.match(text):
            # A Markdown table's separator row: the row above it was the header ("| Area | Tools |").
            if items and items[-1].line.number == line.number - 1:
                items.pop()
            current = None
            continue
        bullet = _BULLET.match(text)
        if bullet:
            current = _Item(text[bullet.end() :].strip(), line, section, group, True)
            items.append(current)
            continue
        if current is not None and _continues(current.text, text):
            current.text = join_lines(current.text, text)
            continue
        # A line that is neither a bullet nor a continuation: a role line, or a paragraph.
        if _is_header_line(text):
            group += 1
            headers.append((line, section, group))
            current = None
            continue
        current = _Item(text, line, section, group, False)
        items.append(current)
    return items, headers


def _continues(previous: str, text: str) -> bool:
    """A wrapped line goes on with the sentence before it: that one has not ended, or this starts lower-case."""
    if text.startswith("|") or previous.endswith("|"):
        return False  # table rows stand alone
    return text[0].islower() or not _SENTENCE_END.search(previous.rstrip(")\"'"))


def _is_header_line(text: str) -> bool:
    """A short line naming a role or an employer with dates, e.g. "Senior PM, Acme (2020 - present)"."""
    words = len(text.split())
    return words <= 16 and bool(_DATE.search(text)) and not re.search(r"[.!?]$", text.strip())


# ---------------------------------------------------------------------------------------------------------
# Quantified claims

_METRIC = re.compile(
    r"(\d+(?:[.,]\d+)?\s?(%|percent\b|pct\b|pp\b|percentage points?|bps\b|basis points)|"
    r"[$\u20ac\u00a3]\s?\d[\d,.]*\s?(k|m|mm|bn|b|million|billion|thousand)?\b|"
    r"\b\d+(?:\.\d+)?\s?(x|\u00d7)(?![\w-])|\b\d+(?:\.\d+)?[-\s]?fold\b|"
    r"\bfrom\s+[$\u20ac\u00a3]?\d[\d,.]*\s?\w*\s+to\s+[$\u20ac\u00a3]?\d|"
    r"\b\d[\d,.]*\s?(k|m|bn|million|billion|thousand)?\+?\s+([a-z-]+\s+){0,2}(users|shoppers|visitors|customers|merchants|clinicians|clinics|hospitals|"
    r"patients|tickets|hours|minutes|days|weeks|ms|milliseconds|seconds|requests|transactions|downloads|installs|"
    r"accounts|sellers|buyers|drivers|riders|learners|students|teachers|members|subscribers|orders|queries|"
    r"searches|calls|agents|countries|markets|languages|stores|partners|brands|advertisers|listings|sessions|"
    r"points|nps)\b|\bnps\b[^.;]{0,20}\d)",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\d\s?(%|percent\b|pct\b|pp\b|percentage points?|bps\b|basis points|x\b|\u00d7|[-\s]?fold\b)|"
    r"[$\u20ac\u00a3]\s?\d|\bfrom\s+[$\u20ac\u00a3]?\d[\d,.]*\s?\w*\s+to\s+[$\u20ac\u00a3]?\d|"
    r"\b(doubled|tripled|halved|by (a|one) (third|half|quarter))\b",
    re.IGNORECASE,
)
_NOT_CLAIM = re.compile(r"\bteam of \d+|\b\d+ (direct )?reports\b|\bgpa\b|\b\d+\+? years?\b", re.IGNORECASE)


def _metrics(text: str) -> list[re.Match[str]]:
    masked = _NOT_CLAIM.sub(lambda m: "#" * len(m.group(0)), text)
    return [m for m in _METRIC.finditer(masked) if not _DATE.fullmatch(m.group(0).strip())]


_CLAUSE = re.compile(r"(?<=[;,\u2014\u2013])\s+|\s+(?=[\u2014\u2013]\s)|(?<=[.!?])\s+(?=[A-Z])")


def _clauses(text: str) -> list[tuple[int, int]]:
    """(start, end) spans of ``text``'s clauses: split after , ; and dashes, and between sentences."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _CLAUSE.finditer(text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _trim(text: str) -> str:
    """Drop trailing punctuation and wrapping brackets that would read oddly inside a quote."""
    text = text.strip().rstrip(".;,:\u2014\u2013-|\u00b7\u2022 ").strip()
    if text.count("(") < text.count(")"):
        text = text.rstrip(")").strip()
    if text.count("(") > text.count(")"):
        text = text[: text.rfind("(")].rstrip(" ,;-\u2014\u2013")
    return text


def _cut(text: str, around: int | None = None) -> str:
    """``text`` if short enough, else the shortest run of whole clauses that covers position ``around``
    (or the opening clauses) and has at least ``MIN_CLAUSE_WORDS`` words; always a piece of ``text``."""
    if len(text.split()) <= MAX_FACT_WORDS:
        return _trim(text)
    spans = _clauses(text)
    first = 0 if around is None else next((i for i, (a, b) in enumerate(spans) if a <= around < b), 0)
    last = first
    while len(text[spans[first][0] : spans[last][1]].split()) < MIN_CLAUSE_WORDS and last + 1 < len(spans):
        last += 1
    while len(text[spans[first][0] : spans[last][1]].split()) < MIN_CLAUSE_WORDS and first > 0:
        first -= 1
    piece = text[spans[first][0] : spans[last][1]]
    if len(piece.split()) > MAX_FACT_WORDS:
        words = piece.split()
        piece = " ".join(words[:MAX_FACT_WORDS])
    return _trim(piece)


# ---------------------------------------------------------------------------------------------------------
# The CV

_ACTION = re.compile(
    r"^(\w+ly\s+)?(set\b|launch|built|build|ship|led|lead|design|creat|develop|introduc|deliver|own|drove|drive|roll|"
    r"defin|spearhead|manag|ran\b|run|partner|scal|grew|grow|redesign|implement|deploy|pilot|co-?found|found|"
    r"automat|migrat|replac|rebuil|overhaul|establish|set up|stood up|took|shaped|turned|conceiv|prototyp|"
    r"negotiat|bootstrap|start|head|direct|orchestrat|championed|reduc|cut|increas|improv|rais|lift|boost|"
    r"doubl|tripl|halv|sav|accelerat)",
    re.IGNORECASE,
)
_SKILL_SPLIT = re.compile(r"\s*(?:[,;|\u2022\u00b7]|\s/\s)\s*")


def extract_cv(doc: Document) -> CandidateProfile:
    """Roles, projects, quantified claims and skills from a CV, each quoting the CV word for word."""
    items, headers = _items(doc, _CV_SECTIONS)
    roles = _roles(doc, headers)
    projects: list[Fact] = []
    claims: list[Fact] = []
    skills: list[Fact] = []
    for item in items:
        if item.section == "skills":
            skills += _skills(doc, item)
            continue
        if item.section in {"education", "other"}:
            continue
        text = item.text
        in_work = item.section in {"experience", "projects", ""} and (
            item.bullet or item.section == "projects"
        )
        if in_work and _ACTION.match(text) and len(text.split()) >= 5:
            projects.append(_fact("project", _cut(text), item, doc))
        found = _metrics(text)
        if found and (item.bullet or item.section in {"summary", "projects", "experience"}):
            quote = _cut(text, found[0].start())
            if _metrics(quote) and len(quote.split()) >= 4:
                claims.append(_fact("claim", quote, item, doc))
    return CandidateProfile(
        document=doc,
        roles=tuple(roles),
        projects=tuple(_unique(projects)),
        claims=tuple(_unique(claims)),
        skills=tuple(_unique(skills)),
    )


def _fact(kind: str, quote: str, item: _Item, doc: Document, weight: float = 1.0) -> Fact:
    line = doc.locate(quote, near=item.line) or item.line
    return Fact(
        kind=kind,
        text=quote,
        line=line,
        document=doc,
        section=item.section,
        group=item.group,
        ai=is_ai(quote) or (kind == "claim" and is_ai(item.text)),
        result=bool(_RESULT.search(_NOT_CLAIM.sub(" ", quote))),
        weight=weight,
        themes=tuple(sorted(theme_hits(quote))),
        words=terms(quote),
    )


def _roles(doc: Document, headers: list[tuple[Line, str, int]]) -> list[Fact]:
    roles: list[Fact] = []
    # With an experience section, roles come only from it: a headline above it ("SENIOR PRODUCT MANAGER")
    # is how the candidate describes themselves, not a job they held.
    allowed = (
        {"experience"} if any(section == "experience" for _l, section, _g in headers) else {"", "experience"}
    )
    for line, section, group in headers:
        if section not in allowed or not _ROLE_WORDS.search(line.text):
            continue
        text = line.text
        date = _DATE.search(text)
        if date is not None:
            text = text[: date.start()]
        text = _trim(text.strip(" ([,|\u2014\u2013-"))
        if len(text.split()) < 2 or not _ROLE_WORDS.search(text):
            continue
        item = _Item(text, line, section, group, False)
        roles.append(_fact("role", text, item, doc))
    return _unique(roles)


def _skills(doc: Document, item: _Item) -> list[Fact]:
    text = item.text
    cells = [c.strip() for c in text.strip().strip("|").split("|")]
    if text.lstrip().startswith("|") and len(cells) >= 2:
        text = " | ".join(cells[1:])  # a table row: the first cell labels the rest ("| ML | PyTorch |")
    elif ":" in text[:40]:
        text = text.split(":", 1)[1]
    out = []
    for piece in _SKILL_SPLIT.split(text):
        piece = _trim(piece.strip("()"))
        if 1 <= len(piece.split()) <= 5 and re.search(r"[A-Za-z]", piece) and doc.contains(piece):
            out.append(_fact("skill", piece, item, doc))
    return out


def _unique(facts: Iterable[Fact]) -> list[Fact]:
    seen: set[str] = set()
    out = []
    for fact in facts:
        key = fact.text.lower()
        if key not in seen and fact.document.contains(fact.text):
            seen.add(key)
            out.append(fact)
    return out


# ---------------------------------------------------------------------------------------------------------
# The job description

_SECTION_WEIGHT = {"requirements": 1.0, "responsibilities": 0.8, "": 0.7, "nice": 0.4}
_OPTIONAL = re.compile(
    r"\b(is |are |would be )?(a|an) (strong |big |huge |real )?(plus|bonus|advantage)\b|\bnice to have\b|"
    r"\b(strongly )?preferred\b|\bideally\b",
    re.IGNORECASE,
)
"""A requirement line that says it is optional ("... is a strong plus") weighs like "nice to have"."""
_EMPHASIS = re.compile(
    r"\b(must|required|requires?|essential|strong|deep|proven|expert|expertise|extensive|significant|"
    r"demonstrated|track record|hands-on|critical|excellent|exceptional)\b",
    re.IGNORECASE,
)


def extract_job(doc: Document) -> JobProfile:
    """The job description's requirement and responsibility lines, weighted by how it emphasises them."""
    items, _headers = _items(doc, _JOB_SECTIONS)
    candidates: list[tuple[_Item, str]] = []
    for item in items:
        if item.section == "skip" or item.section not in _SECTION_WEIGHT:
            continue
        if not item.bullet and item.section == "":
            continue  # an unlabelled paragraph is usually about the company, not a requirement
        text = item.text
        if len(text.split()) < 3:
            continue
        candidates.append((item, _cut(text)))
    counts: Counter[str] = Counter()
    for _item, quote in candidates:
        counts.update(theme_hits(quote).keys())
    requirements: list[Fact] = []
    for index, (item, quote) in enumerate(candidates):
        optional = item.section == "nice" or bool(_OPTIONAL.search(item.text))
        emphasis = 0 if optional else min(3, len(_EMPHASIS.findall(item.text)))
        themes = theme_hits(quote)
        recurrence = max((counts[t] for t in themes), default=1)
        section_weight = _SECTION_WEIGHT["nice" if optional else item.section]
        weight = section_weight * (1 + 0.25 * emphasis) + min(0.5, 0.1 * (recurrence - 1))
        weight -= 0.001 * index  # earlier lines first when all else is equal
        requirements.append(_fact("requirement", quote, item, doc, weight=round(weight, 3)))
    requirements = _unique(requirements)
    emphasis_by_theme: dict[str, float] = {}
    for fact in requirements:
        for theme in fact.themes:
            emphasis_by_theme[theme] = emphasis_by_theme.get(theme, 0.0) + fact.weight
    order = {t.id: i for i, t in enumerate(THEMES)}
    ranked = sorted(requirements, key=lambda f: (-f.weight, f.line.number))
    return JobProfile(
        document=doc,
        requirements=tuple(ranked),
        emphasis=dict(sorted(emphasis_by_theme.items(), key=lambda kv: (-kv[1], order[kv[0]]))),
    )
