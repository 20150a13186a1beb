"""Text from a Word (.docx) CV or job description, with python-docx.

Paragraphs in document order, then the text of any tables (CVs often lay out roles and dates in a table),
each cell's paragraphs as lines. A file that is not a valid .docx becomes a ``DocumentError``.
"""

from __future__ import annotations

import io
import zipfile

from voicemock.documents import DocumentError


def docx_paragraphs(raw: bytes, shown: str) -> list[str]:
    """Each paragraph's text, body first, then table cells row by row."""
    import docx
    from docx.opc.exceptions import OpcError

    try:
        document = docx.Document(io.BytesIO(raw))
        # A list item's bullet is numbering in its style, not text: give it one, so it reads as a bullet.
        lines = [
            ("\u2022 " + p.text if _is_list_item(p) and p.text.strip() else p.text)
            for p in document.paragraphs
        ]
        for table in document.tables:
            for row in table.rows:
                seen: set[int] = set()
                for cell in row.cells:
                    if id(cell._tc) in seen:  # a merged cell repeats in every column it spans
                        continue
                    seen.add(id(cell._tc))
                    lines += [p.text for p in cell.paragraphs]
        return lines
    except (OpcError, zipfile.BadZipFile, KeyError, ValueError, AttributeError, TypeError, OSError) as exc:
        raise DocumentError(
            f"{shown} is not a readable Word document ({type(exc).__name__})",
            fix="open it in your editor and save it again as .docx, or export it as PDF or .txt",
        ) from None


def _is_list_item(paragraph: object) -> bool:
    p = paragraph._p  # type: ignore[attr-defined]
    if p.pPr is not None and p.pPr.numPr is not None:
        return True
    style = getattr(paragraph, "style", None)
    return bool(style is not None and str(getattr(style, "name", "")).lower().startswith("list"))
