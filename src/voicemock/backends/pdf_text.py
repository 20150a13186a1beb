"""Text from a PDF CV or job description, with pypdf (pure Python, maintained; no hand-written parser).

pypdf's layout-free extraction keeps each printed line as a line of text, which is what the tailoring
needs to cite "page 2, line 3". Any failure of a broken, encrypted or image-only PDF becomes a
``DocumentError`` that names the file; pypdf's own log chatter about odd files is silenced.
"""

from __future__ import annotations

import io
import logging

from voicemock.documents import DocumentError


def pdf_pages(path: object, raw: bytes, shown: str, max_pages: int) -> list[str]:
    """The text of each page (at most ``max_pages``), in order."""
    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(raw), strict=False)
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty password only to restrict printing; those open.
            try:
                opened = bool(reader.decrypt(""))
            except (NotImplementedError, PyPdfError, ValueError):
                opened = False
            if not opened:
                raise DocumentError(
                    f"{shown} is password-protected",
                    fix="save an unprotected copy (or export it as .docx or .txt) and pass that",
                )
        pages = []
        for page in reader.pages[:max_pages]:
            pages.append(page.extract_text() or "")
        return pages
    except DocumentError:
        raise
    except FileNotDecryptedError:
        raise DocumentError(f"{shown} is password-protected", fix="save an unprotected copy") from None
    except (
        PdfReadError,
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        RecursionError,
        OSError,
        AssertionError,
        ZeroDivisionError,
    ) as exc:
        raise DocumentError(
            f"{shown} is not a readable PDF ({type(exc).__name__})",
            fix="open it in a PDF viewer and export it again, or pass it as .docx or .txt",
        ) from None
