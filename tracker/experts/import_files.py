"""Read an import file (CSV or XLSX) into numbered rows of text cells, bounded.

The newsroom's list arrives as it was saved: CSV from any spreadsheet program in UTF-8
(with or without a byte-order mark) or UTF-16 (with one, as Excel writes "Unicode text"),
or an XLSX workbook (its first sheet, read by openpyxl in read-only mode, which streams
rows and parses XML with defusedxml). Anything else is never guessed at: a line that is
not UTF-8 – Windows-1251 Cyrillic, say – is refused with that line's number instead of
being imported as mojibake.

Reading is bounded: the file's size is checked before a byte is parsed, and rows stop
after IMPORT_MAX_ROWS however many follow, so a 100,000-row file costs no more than the
limit. A cell that a spreadsheet would run as a formula is reported, never passed on.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from tracker.documents.archives import check_directory, check_end_record
from tracker.documents.refusals import UploadError
from tracker.enums import FileType

FORMATS = ("csv", "xlsx")
REQUIRED_COLUMNS = ("full_name", "email", "regions", "languages", "topics")
OPTIONAL_COLUMNS = ("phone", "city", "notes")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# What a spreadsheet may take as the start of a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A telephone number is written with a leading "+" (+995 599 12 34 56): in the phone
# column that alone is no formula, as long as nothing but digits and spacing follows.
_PHONE = re.compile(r"\+[0-9][0-9 ()./-]*")
# Bytes looked at to tell UTF-16 without a byte-order mark (NUL bytes) from UTF-8.
_SNIFF_BYTES = 4096
# Decoding errors are kept as lone surrogates, so that the rows they are in can be named.
_UNDECODED = re.compile("[\udc80-\udcff]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


class ImportFileError(ValueError):
    """The whole file cannot be read; the message says why and what to do."""


@dataclass
class FileRow:
    """One row of the file: its line number and cells by column, or why it is unreadable."""

    line: int
    cells: dict[str, str] = field(default_factory=dict)
    problems: list = field(default_factory=list)
    # Why the line cannot be read as text at all (its cells are then left empty).
    unreadable: object = None


@dataclass
class FileRows:
    """The rows read from a file and what stops the file as a whole."""

    rows: list[FileRow] = field(default_factory=list)
    problems: list = field(default_factory=list)
    # True when rows followed the last one read (IMPORT_MAX_ROWS).
    truncated: bool = False


def file_format(filename: str) -> str:
    """Return "csv" or "xlsx" from *filename*'s extension, or raise ImportFileError."""
    suffix = Path(filename or "").suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise ImportFileError(
            _l("Please choose a CSV or XLSX file (the list saved as “CSV UTF-8” or as Excel).")
        )
    return suffix


def formula_problem(column: str, value: str):
    """Return why *value* of *column* would run as a formula in a spreadsheet, or None.

    The value is judged as given and as it would be stored (trimmed): " =cmd" is refused too.
    """
    if not value.startswith(FORMULA_STARTS):
        value = value.strip()
        if not value.startswith(FORMULA_STARTS):
            return None
    if column == "phone" and _PHONE.fullmatch(value):
        return None
    return _l(
        "The column “%(column)s” starts with “%(sign)s”, which a spreadsheet runs as a "
        "formula. Please remove the sign or write the value as plain text.",
        column=column,
        sign=value[:1].replace("\t", "TAB").replace("\r", "CR"),
    )


def too_large() -> ImportFileError:
    """Return the refusal of a file larger than IMPORT_MAX_BYTES."""
    return ImportFileError(
        _l(
            "The file is larger than %(mb)s MB. Please split the list into smaller files.",
            mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024),
        )
    )


def read_rows(path: Path, kind: str) -> FileRows:
    """Read *path* (a *kind* file: csv or xlsx) into at most IMPORT_MAX_ROWS rows.

    :raises ImportFileError: the file is too large, not of its kind, or not text we read.
    """
    if path.stat().st_size > current_app.config["IMPORT_MAX_BYTES"]:
        raise too_large()
    rows = (_csv_rows if kind == "csv" else _xlsx_rows)(path)
    try:
        return _collect(rows, current_app.config["IMPORT_MAX_ROWS"])
    finally:
        rows.close()  # a file left after the last row read is closed now, not when collected


def _collect(rows: Iterator[tuple[int, list[str], list]], max_rows: int) -> FileRows:
    """Turn raw rows (the header first) into FileRows by column, stopping at *max_rows*."""
    result = FileRows()
    first = next(rows, None)
    if first is None:
        raise ImportFileError(_l("The file is empty: the first row must name the columns."))
    _line, header, header_problems = first
    if header_problems:
        raise ImportFileError(header_problems[0])
    names = [cell.strip().lstrip("\ufeff").lower() for cell in header]
    missing = [column for column in REQUIRED_COLUMNS if column not in names]
    if missing:
        raise ImportFileError(
            _l(
                "The first row must name the columns %(required)s; it lacks %(missing)s.",
                required=", ".join(REQUIRED_COLUMNS),
                missing=", ".join(missing),
            )
        )
    positions = {column: names.index(column) for column in COLUMNS if column in names}
    for line, values, problems in rows:
        if not problems and not any(value.strip() for value in values):
            continue  # an empty row, as spreadsheets leave at the end
        if len(result.rows) == max_rows:
            result.truncated = True
            break
        if problems:
            result.rows.append(FileRow(line, unreadable=problems[0]))
            continue
        row = FileRow(line)
        for column, position in positions.items():
            value = values[position] if position < len(values) else ""
            row.cells[column] = value
            problem = formula_problem(column, value)
            if problem is not None:
                row.problems.append(problem)
        result.rows.append(row)
    return result


def _encoding_of(head: bytes) -> str:
    """Return the codec to read a CSV that starts with *head*, or raise ImportFileError."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise ImportFileError(
            _l(
                "The file looks like UTF-16 text without a byte-order mark. Please save it "
                "as “CSV UTF-8”."
            )
        )
    return "utf-8-sig"


def _undecoded_problem(values: list[str]):
    """Return why cells holding bytes that were not UTF-8 cannot be imported, or None."""
    text = "".join(values)
    if not _UNDECODED.search(text):
        return None
    raw = text.encode("utf-8", "surrogateescape")
    if _CYRILLIC.search(raw.decode("cp1251", "replace")):
        return _l(
            "This line is not UTF-8 text; it looks like Windows-1251 (Cyrillic). Please "
            "save the file as “CSV UTF-8” and import it again."
        )
    return _l("This line is not UTF-8 text. Please save the file as “CSV UTF-8”.")


def _csv_rows(path: Path) -> Iterator[tuple[int, list[str], list]]:
    """Yield (first line, cells, problems) of each CSV record, streamed from *path*."""
    with open(path, "rb") as raw:
        encoding = _encoding_of(raw.read(_SNIFF_BYTES))
        raw.seek(0)
        text = io.TextIOWrapper(raw, encoding=encoding, errors="surrogateescape", newline="")
        # A NUL byte in UTF-8 text is no spreadsheet's: the csv module refuses it anyway.
        reader = csv.reader(line.replace("\x00", "") for line in text)
        line = 1
        try:
            for values in reader:
                problem = _undecoded_problem(values)
                yield line, values, [problem] if problem else []
                line = reader.line_num + 1
        except UnicodeDecodeError as error:  # UTF-16 with an odd byte at the end
            raise ImportFileError(
                _l("The file is damaged: line %(n)s cannot be read as text.", n=line)
            ) from error
        except csv.Error as error:
            raise ImportFileError(
                _l("Line %(n)s is not CSV: %(error)s", n=line, error=str(error))
            ) from error


def _cell_text(cell) -> str:
    """Return an XLSX cell as text; a formula as its "=…" text, which the checks refuse."""
    value = cell.value
    if value is None:
        return ""
    if cell.data_type == "f":
        text = str(getattr(value, "text", value))
        return text if text.startswith("=") else "=" + text
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed as a number
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _check_workbook(path: Path) -> None:
    """Judge the workbook from its zip directory before openpyxl inflates anything."""
    unreadable = ImportFileError(
        _l("We could not read this file as an Excel workbook. Please save it again as XLSX.")
    )
    try:
        with open(path, "rb") as handle:
            check_end_record(handle)
        with zipfile.ZipFile(path) as archive:
            # DOCX and XLSX are the same kind of archive: the same limits apply.
            check_directory(archive.infolist(), FileType.DOCX)
    except (UploadError, zipfile.BadZipFile, OSError) as error:
        raise unreadable from error


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str], list]]:
    """Yield (row number, cells, problems) of the workbook's first sheet, streamed."""
    from openpyxl import load_workbook  # imported here: only imports need it

    _check_workbook(path)
    try:
        workbook = load_workbook(path, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise ImportFileError(
            _l("We could not read this file as an Excel workbook. Please save it again as XLSX.")
        ) from error
    try:
        sheet = workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(), 1):
            yield number, [_cell_text(cell) for cell in cells], []
    finally:
        workbook.close()
