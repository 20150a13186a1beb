"""The candidate's CV and the job description, read from a file into numbered lines of plain text.

Plain text and Markdown are read here; PDF and DOCX through their backend modules (``backends/pdf_text.py``
with pypdf, ``backends/docx_text.py`` with python-docx), imported only when such a file is read. Every
fact the tailoring inserts into a question is cut from ``Document.lines``, and each line remembers where
it was in the file ("line 14", "page 2, line 3", "paragraph 7"), so the debrief can say where a question
came from.

These files stay on this machine: nothing here sends them anywhere. A file that cannot be used (missing,
a directory, a scan with no text, a password-protected PDF, an empty file, a format we do not read) is a
``DocumentError`` that says what is wrong and what to do, never a traceback.
"""

from __future__ import annotations

import os
import re
import stat
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from voicemock.errors import VoicemockError

MAX_TEXT_BYTES = 1024 * 1024
"""A CV or job description as text is a few KB; past 1 MB it is not one."""
MAX_BINARY_BYTES = 20 * 1024 * 1024
"""PDF and DOCX files carry fonts and images, so they may be larger; 20 MB is still far past a CV."""
MAX_PAGES = 20
"""Pages of a PDF that are read; a CV is one to three."""
MAX_CHARS = 60_000
"""Characters kept from any document (about 9,000 words)."""

TEXT_SUFFIXES = {"", ".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
#: Formats people save CVs in that we do not read, and what to do instead.
_OTHER_FORMATS = {
    ".doc": "an old Word .doc file",
    ".rtf": "an RTF file",
    ".odt": "an OpenDocument file",
    ".pages": "a Pages file",
    ".html": "a web page",
    ".htm": "a web page",
    ".png": "an image",
    ".jpg": "an image",
    ".jpeg": "an image",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202a-\u202e\u2066-\u2069\ufeff]")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


class DocumentError(VoicemockError):
    """A CV or job description that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Line:
    """One line of a document as plain text, and where it is in the file."""

    number: int
    """1-based position among the document's lines (the line in a text file, the paragraph in a DOCX)."""
    text: str
    where: str
    """How to find it in the file: "line 14", "page 2, line 3" or "paragraph 7"."""
    heading: bool = False
    """Marked as a heading by the file itself (a Markdown ``#`` line); other formats leave headings to
    the extractor's judgement."""


@dataclass(frozen=True)
class Document:
    """A CV or job description as numbered lines of plain text (Markdown markup removed)."""

    path: Path
    role: str
    """"CV" or "job description": how messages name it."""
    format: str
    """"text", "markdown", "pdf" or "docx"."""
    lines: tuple[Line, ...]
    notes: tuple[str, ...] = ()
    """Honest caveats, e.g. "only the first 20 pages were read"."""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)

    def contains(self, quote: str) -> bool:
        """True when ``quote`` occurs in the document word for word. Runs of whitespace, including line
        breaks, count as one space, and a word hyphenated across a line break is joined, so a sentence
        wrapped over two lines is still verbatim."""
        needle = squash(quote)
        return bool(needle) and needle in self._joined()[0]

    def locate(self, quote: str, near: Line | None = None) -> Line | None:
        """The line on which ``quote`` starts (the first occurrence at or after ``near``, if given, else the
        first in the document), or None when it is not in the document."""
        needle = squash(quote)
        joined, starts = self._joined()
        if not needle or not starts:
            return None
        begin = next((offset for offset, line in starts if near is not None and line is near), 0)
        at = joined.find(needle, begin)
        if at < 0:
            at = joined.find(needle)
        if at < 0:
            return None
        found = starts[0][1]
        for offset, line in starts:
            if offset > at:
                break
            found = line
        return found

    def _joined(self) -> tuple[str, list[tuple[int, Line]]]:
        return self._joined_text

    @cached_property
    def _joined_text(self) -> tuple[str, list[tuple[int, Line]]]:
        """The whole text as one line (see ``join_lines``) and the offset where each non-blank line starts."""
        joined = ""
        starts: list[tuple[int, Line]] = []
        for line in self.lines:
            piece = squash(line.text)
            if not piece:
                continue
            glued = _hyphen_wrap(joined) and piece[:1].isalpha()
            offset = len(joined) + (0 if glued or not joined else 1)
            starts.append((offset, line))
            joined = join_lines(joined, piece)
        return joined, starts


def _hyphen_wrap(text: str) -> bool:
    return len(text) >= 2 and text.endswith("-") and text[-2].isalpha()


def join_lines(previous: str, text: str) -> str:
    """Join a wrapped line to the text before it: with one space, or with none after a word hyphenated at
    the line break ("no-" + "shows" is "no-shows")."""
    if not previous:
        return text
    if not text:
        return previous
    if _hyphen_wrap(previous) and text[:1].isalpha():
        return previous + text
    return f"{previous} {text}"


def squash(text: str) -> str:
    """``text`` with every run of whitespace turned into one space, trimmed."""
    return " ".join(text.split())


def read_document(path: Path, role: str = "CV") -> Document:
    """Read a CV or job description (.txt, .md, .pdf or .docx) into a ``Document``.

    Raises ``DocumentError`` naming the file and what to do when it cannot be used.
    """
    path = Path(path).expanduser()
    shown = f"{role} {path}"
    suffix = path.suffix.lower()
    if suffix in _OTHER_FORMATS:
        raise DocumentError(
            f"{shown}: voicemock cannot read {_OTHER_FORMATS[suffix]}",
            fix="save it as PDF, Word (.docx), Markdown or plain text (.txt) and pass that file",
        )
    binary = suffix in {".pdf", ".docx"}
    if not binary and suffix not in TEXT_SUFFIXES | MARKDOWN_SUFFIXES:
        raise DocumentError(
            f"{shown}: unknown file type {suffix!r}",
            fix="pass a .txt, .md, .pdf or .docx file",
        )
    raw = _read_bytes(path, shown, MAX_BINARY_BYTES if binary else MAX_TEXT_BYTES)
    notes: list[str] = []
    if suffix == ".pdf":
        from voicemock.backends.pdf_text import pdf_pages

        pages = pdf_pages(path, raw, shown, MAX_PAGES)
        if len(pages) >= MAX_PAGES:
            notes.append(f"only the first {MAX_PAGES} pages of {path.name} were read")
        lines = _numbered(
            [(text, f"page {p}, line {n}") for p, page in enumerate(pages, 1) for n, text in _split(page)]
        )
        fmt = "pdf"
    elif suffix == ".docx":
        from voicemock.backends.docx_text import docx_paragraphs

        paragraphs = docx_paragraphs(raw, shown)
        lines = _numbered([(text, f"paragraph {n}") for n, text in enumerate(paragraphs, 1)])
        fmt = "docx"
    else:
        text = _decode(raw, shown)
        markdown = suffix in MARKDOWN_SUFFIXES
        lines = [
            Line(
                number=n,
                text=clean_line(strip_markdown(t) if markdown else t),
                where=f"line {n}",
                heading=markdown and bool(_MD_HEADING.match(t)),
            )
            for n, t in _split(text)
        ]
        fmt = "markdown" if markdown else "text"
    kept, total = _cap(lines)
    if total > MAX_CHARS:
        notes.append(f"only the first {MAX_CHARS:,} characters of {path.name} were read")
    if not any(re.search(r"[A-Za-z]{2}", line.text) for line in kept):
        what = "has no text layer (is it a scanned image?)" if fmt == "pdf" else "is empty"
        raise DocumentError(
            f"{shown} {what}",
            fix=f"pass a file that holds your {role}'s text"
            + (
                ": export it from your editor as a PDF with text, or as .docx or .txt" if fmt == "pdf" else ""
            ),
        )
    return Document(path=path, role=role, format=fmt, lines=tuple(kept), notes=tuple(notes))


def _read_bytes(path: Path, shown: str, limit: int) -> bytes:
    """The file's bytes, if it is a regular file within ``limit``; opened non-blocking and checked on the
    descriptor, so a named pipe cannot hang the program."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise DocumentError(f"{shown}: no such file", fix="check the path") from None
    except IsADirectoryError:
        raise DocumentError(f"{shown} is a directory", fix="pass the file itself") from None
    except OSError as exc:
        raise DocumentError(
            f"{shown}: cannot open it ({exc.strerror})", fix="check its permissions"
        ) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise DocumentError(f"{shown} is a directory", fix="pass the file itself")
        if not stat.S_ISREG(info.st_mode):
            raise DocumentError(f"{shown} is not a regular file", fix="pass a file saved on disk")
        if info.st_size > limit:
            raise DocumentError(
                f"{shown}: {info.st_size // 1024:,} KB is too large for a CV or job description "
                f"(the limit is {limit // 1024:,} KB)",
                fix="pass the document itself, without embedded images",
            )
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)[:limit]
    except OSError as exc:
        raise DocumentError(f"{shown}: cannot read it ({exc.strerror})") from None
    finally:
        os.close(fd)


def _decode(raw: bytes, shown: str) -> str:
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if raw.startswith((b"%PDF", b"PK\x03\x04")):
        kind = "a PDF" if raw.startswith(b"%PDF") else "a Word or zip file"
        raise DocumentError(f"{shown} looks like {kind}, not text", fix="give the file its real extension")
    if b"\x00" in raw[:4096]:
        raise DocumentError(f"{shown} is not a text file", fix="pass a .txt, .md, .pdf or .docx file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")  # older Windows editors save CVs this way


def clean_line(text: str) -> str:
    """One line as plain text: no control characters, ligatures spelled out, spaces collapsed."""
    text = unicodedata.normalize("NFC", text.translate(_LIGATURES))
    text = _CONTROL.sub("", text.replace("\t", " "))
    return _SPACES.sub(" ", text).strip()


def _split(text: str) -> list[tuple[int, str]]:
    """(1-based line number, text) for each line of ``text``."""
    return list(enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1))


def _numbered(items: list[tuple[str, str]]) -> list[Line]:
    """Lines with their locations; blank lines are kept (they separate paragraphs) but empty of text."""
    return [Line(number=n, text=clean_line(text), where=where) for n, (text, where) in enumerate(items, 1)]


def _cap(lines: list[Line]) -> tuple[list[Line], int]:
    kept: list[Line] = []
    used = 0
    total = sum(len(line.text) + 1 for line in lines)
    for line in lines:
        if used + len(line.text) > MAX_CHARS:
            break
        kept.append(line)
        used += len(line.text) + 1
    return kept, total


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1|(?<![\w*])\*(?=\S)([^*]+?)(?<=\S)\*(?!\w)")
_MD_CODE = re.compile(r"`([^`]*)`")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_HTML = re.compile(r"</?[a-zA-Z][^>]*>")
_MD_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_MD_QUOTE = re.compile(r"^\s*>\s?")


def strip_markdown(line: str) -> str:
    """A Markdown line as the text a reader sees: no heading marks, emphasis, links, code ticks or tags.

    Bullet markers stay (they mark list items); a table row keeps its cells between pipes.
    """
    if _MD_RULE.match(line):
        return ""
    text = _MD_HEADING.sub("", line)
    text = _MD_QUOTE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _MD_CODE.sub(r"\1", text)
    for _ in range(2):  # nested emphasis such as ***x***
        text = _MD_EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", text)
    text = _MD_HTML.sub("", text)
    return text.replace("\\", "")
