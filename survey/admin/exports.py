"""CSV exports of the organisation (the tree, officials, procedures): what imports read back.

Files are UTF-8 with a byte-order mark (spreadsheets then read Vietnamese correctly), and
every cell that a spreadsheet would run as a formula is neutralised. Each download is
written to the audit log.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from flask import Response

from survey.accounts import audit
from survey.org.reorganise import looks_like_formula


def neutralise(value: object) -> str:
    """A cell that a spreadsheet shows as text, never runs: formula-looking text gets a
    leading apostrophe (the OWASP advice for CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if looks_like_formula(text) else text


def csv_download(
    filename: str, columns: Sequence[str], rows: Sequence[dict], action: str
) -> Response:
    """``rows`` as a CSV download (UTF-8 with a byte-order mark, every cell neutralised),
    written to the audit log as ``action``."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([neutralise(row.get(column)) for column in columns])
    audit.record_now(action, details={"rows": len(rows)})
    return Response(
        ("\ufeff" + buffer.getvalue()).encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={filename}"},
    )
