"""Say why an upload is refused: UploadError and the message for each kind of refusal.

The messages are read by applicants, so each says what to do instead; they are lazy
strings, translated when shown. Kept apart from the checks so that every checker (PDF,
archives, plain text) raises the same errors without importing the upload pipeline.
"""

from __future__ import annotations

from flask_babel import format_decimal, lazy_gettext
from flask_babel.speaklater import LazyString

from tracker.enums import FileType

MB = 1024 * 1024

TYPE_NAMES: dict[FileType, LazyString] = {
    FileType.PDF: lazy_gettext("PDF"),
    FileType.DOCX: lazy_gettext("Word (DOCX)"),
    FileType.ODT: lazy_gettext("OpenDocument (ODT)"),
    FileType.RTF: lazy_gettext("RTF"),
    FileType.TXT: lazy_gettext("plain-text (TXT)"),
}


class UploadError(Exception):
    """A file we do not accept; `message` tells the applicant what to do instead."""

    def __init__(self, message: LazyString) -> None:
        super().__init__(message)
        self.message = message


def wrong_type() -> UploadError:
    """Refuse a file whose content is none of the types we accept."""
    return UploadError(
        lazy_gettext(
            "This file must be a PDF, Word (DOCX), OpenDocument (ODT), RTF or plain-text (TXT) "
            "file. Please save it in one of these formats and upload it again."
        )
    )


def mismatch(extension_type: FileType) -> UploadError:
    """Refuse a file whose content contradicts its .extension."""
    return UploadError(
        lazy_gettext(
            "This file is called .%(extension)s but is not in %(expected)s format. Please "
            "open it in the program you wrote it in, save it again as %(expected)s and "
            "upload the new copy.",
            extension=extension_type.value,
            expected=TYPE_NAMES[extension_type],
        )
    )


def rename(content_type: FileType) -> UploadError:
    """Refuse a file of an accepted type whose name lacks the matching extension."""
    return UploadError(
        lazy_gettext(
            "The name of this file should end in .%(extension)s. Please rename it and "
            "upload it again.",
            extension=content_type.value,
        )
    )


def too_large(limit: int) -> UploadError:
    """Refuse a file larger than *limit* bytes."""
    return UploadError(
        lazy_gettext(
            "This file is larger than %(limit)s MB. Please make it smaller – for example, "
            "save it as PDF with compressed images – and upload it again.",
            limit=LazyString(format_decimal, round(limit / MB, 1)),
        )
    )


def no_space() -> UploadError:
    """Refuse an upload because the server's disk is full."""
    return UploadError(
        lazy_gettext("We cannot store files right now. Nothing was saved; please try again later.")
    )


def empty() -> UploadError:
    """Refuse an empty file."""
    return UploadError(
        lazy_gettext("This file is empty. Please save your document again and upload the new copy.")
    )


def unreadable(file_type: FileType) -> UploadError:
    """Refuse a file of *file_type* that we cannot read or that is malformed."""
    if file_type is FileType.PDF:
        return UploadError(
            lazy_gettext(
                "We could not read this PDF; please export it again from the program you "
                "wrote it in and upload the new copy."
            )
        )
    if file_type is FileType.TXT:
        return UploadError(
            lazy_gettext(
                "We could not read this text file; please save it again as plain text in "
                "UTF-8 encoding and upload the new copy."
            )
        )
    return UploadError(
        lazy_gettext(
            "We could not read this %(kind)s file; please save it again from the program "
            "you wrote it in and upload the new copy.",
            kind=TYPE_NAMES[file_type],
        )
    )


def protected_pdf() -> UploadError:
    """Refuse a PDF protected by a password or restrictions."""
    return UploadError(
        lazy_gettext(
            "This PDF is protected by a password or by restrictions. Please save a copy "
            "without protection and upload it."
        )
    )


def macros() -> UploadError:
    """Refuse a document that carries macros or other embedded code."""
    return UploadError(
        lazy_gettext(
            "This document contains macros, which we cannot accept for security reasons. "
            "Please save it as PDF or as a Word document without macros (.docx) and upload "
            "the new copy."
        )
    )


def too_complex() -> UploadError:
    """Refuse an archive too large or complex to open safely (zip bombs)."""
    return UploadError(
        lazy_gettext(
            "This document is too large or complex for us to open safely. Please save it "
            "as PDF and upload the new copy."
        )
    )


def hidden_file() -> UploadError:
    """Refuse a PDF with another file appended to it or hidden in it (a polyglot)."""
    return UploadError(
        lazy_gettext(
            "This PDF has another file hidden in it, which we cannot accept for security "
            "reasons. Please export it again from the program you wrote it in and upload "
            "the new copy."
        )
    )


def pdf_attachment() -> UploadError:
    """Refuse a PDF carrying an attachment that is not a document (a program, a script)."""
    return UploadError(
        lazy_gettext(
            "This PDF has a file attached inside it that is not a document (for example a "
            "program), which we cannot accept for security reasons. Please save the PDF "
            "again without attachments and upload the new copy."
        )
    )


def remote_content() -> UploadError:
    """Refuse a document that loads a template or object from elsewhere when opened."""
    return UploadError(
        lazy_gettext(
            "This document loads content from another computer when it is opened (for "
            "example a remote template), which we cannot accept for security reasons. "
            "Please save it as PDF and upload the new copy."
        )
    )


def signed_pdf() -> UploadError:
    """Refuse a signed PDF: removing its author details would break the signature."""
    return UploadError(
        lazy_gettext(
            "This PDF is digitally signed. We remove the author's details from every "
            "document before we store it, and that would break the signature. Please "
            "upload a copy without the signature."
        )
    )


def protected_document(file_type: FileType) -> UploadError:
    """Refuse a DOCX or ODT file protected by a password (encrypted)."""
    return UploadError(
        lazy_gettext(
            "This %(kind)s file is protected by a password, so we cannot check it or remove "
            "the author's details from it. Please save a copy without a password and "
            "upload it.",
            kind=TYPE_NAMES[file_type],
        )
    )


def cannot_clean(file_type: FileType) -> UploadError:
    """Refuse a file whose metadata (author, company…) we could not remove."""
    return UploadError(
        lazy_gettext(
            "We could not remove the author's details from this %(kind)s file, and we "
            "store no document with them. Please save it again from the program you wrote "
            "it in, or as PDF, and upload the new copy.",
            kind=TYPE_NAMES[file_type],
        )
    )
