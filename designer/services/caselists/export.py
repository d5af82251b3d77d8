"""A list as CSV for Norwegian Excel (UTF-8 with BOM, `;` between fields) and its file names."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from designer.services.caselists.evaluate import ListResult, display

BOM = "\ufeff"


def table_rows(result: ListResult) -> list[list[str]]:
    """The list as text rows: the header, then each row (with a section column), the sums."""
    sectioned = any(s.heading is not None for s in result.sections)
    header = ([_("Section")] if sectioned else []) + [c.label for c in result.columns]
    rows = [header]
    for section in result.sections:
        lead = [section.heading or ""] if sectioned else []
        for row in section.rows:
            rows.append(lead + [display(row.get(c.field), c.type) for c in result.columns])
    if result.has_sums:
        sums = [str(result.total[c.field]) if c.sum else "" for c in result.columns]
        first = [_("Total")] if sectioned else []
        if not sectioned and sums and sums[0] == "":
            sums[0] = _("Total")
        rows.append(first + sums)
    return rows


def _safe(cell: str) -> str:
    # A cell starting like a formula is run by Excel: make it plain text.
    formula = cell[:1] in ("=", "+", "-", "@", "\t", "\r") and not _numeric(cell)
    return "'" + cell if formula else cell


def _numeric(cell: str) -> bool:
    return cell.lstrip("-").isdigit()


def csv_bytes(result: ListResult) -> bytes:
    """The list as CSV bytes."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for row in table_rows(result):
        writer.writerow([_safe(cell) for cell in row])
    return (BOM + out.getvalue()).encode("utf-8")


def file_name(model_key: str, result: ListResult, suffix: str) -> str:
    """`<service>-<list>[-<day>].<suffix>`, plain ASCII."""
    parts = [model_key, result.key] + ([result.day.isoformat()] if result.day else [])
    name = "-".join(parts)
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in name)
    return f"{safe}.{suffix}"
