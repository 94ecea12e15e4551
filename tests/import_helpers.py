"""Helpers of the import and export tests: paths of the data sets and row counts."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
TABLES = ("companies", "contacts", "relationships", "conversations", "touchpoints")


def counts(session: Session) -> dict[str, int]:
    """Rows per table."""
    return {
        table: int(session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
        for table in TABLES
    }


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
