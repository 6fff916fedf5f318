"""XLSX, XLS and ODS sheets as rows of strings, read by python-calamine.

Every cell becomes a string: numbers are floats in both formats, so
35600000000048.0 -> "35600000000048" (SIRETs survive) and 12.5 -> "12.5";
dates -> "2025-06-01"; booleans -> "true"/"false"; empty -> "". A postcode
typed as a number has lost its leading zero ("1000"): the importer pads it.
Trailing empty rows and columns are dropped; rows are padded to one width.
"""

import datetime
import io

import python_calamine


class SpreadsheetError(ValueError):
    """The file is not a readable spreadsheet (message in French)."""


def read_rows(data, sheet=0):
    """[[str]] of one sheet (index or name) of a spreadsheet given as bytes."""
    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several kinds on garbage: all mean "unreadable"
        raise SpreadsheetError("le fichier n'est pas un tableur lisible (XLSX, XLS ou ODS)") from None
    with workbook:
        try:
            chosen = (
                workbook.get_sheet_by_name(sheet)
                if isinstance(sheet, str)
                else workbook.get_sheet_by_index(sheet)
            )
            raw = chosen.to_python(skip_empty_area=False)
        except Exception:
            raise SpreadsheetError("la première feuille du tableur est illisible") from None
    rows = [[cell_text(value) for value in row] for row in raw]
    while rows and not any(rows[-1]):
        rows.pop()
    width = max((max((i + 1 for i, v in enumerate(row) if v), default=0) for row in rows), default=0)
    return [(row + [""] * width)[:width] for row in rows]


def cell_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes" if not value.second else "seconds")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if isinstance(value, datetime.timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value)
