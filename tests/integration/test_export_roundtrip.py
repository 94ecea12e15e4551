"""Export every entity, import the files into an empty database, and get the same data back."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from datasets import ENRON
from import_helpers import TABLES, counts
from sqlalchemy import Engine, text
from sqlmodel import Session

from abm.exporting import export_csv, export_text
from abm.importing import import_csv
from abm.presets import native_fields


def _load_enron(session: Session) -> None:
    for entity, name in [("companies", "companies.csv"), ("contacts", "contacts.csv"),
                         ("relationships", "colleagues.csv"), ("touchpoints", "touchpoints.csv")]:
        assert import_csv(session, entity, ENRON / name, preset="enron").ok


def _exports(session: Session) -> dict[str, str]:
    return {entity: export_text(session, entity) for entity in TABLES}


def test_export_then_import_into_an_empty_database_gives_the_same_data(
    fresh_engine: Callable[[], Engine], tmp_path: Path
) -> None:
    with Session(fresh_engine()) as source:
        _load_enron(source)
        # Values an import cannot guess: set them so the round trip has to carry them.
        source.execute(text("UPDATE companies SET tier = 1, status = 'engaged', "
                            "research_data = '{\"x\": [1, \"é\"]}' WHERE id % 3 = 0"))
        source.execute(text("UPDATE contacts SET title = '=1+2', is_decision_maker = true, "
                            "interests = '[\"gas\", \"power\"]' WHERE id % 4 = 0"))
        source.execute(text("UPDATE conversations SET status = 'won', qualification_tier = "
                            "'hot', next_followup_at = now() WHERE id % 5 = 0"))
        source.commit()
        for entity in TABLES:
            export_csv(source, entity, tmp_path / f"{entity}.csv")
        before = _exports(source)
        before_counts = counts(source)
    with Session(fresh_engine()) as target:
        for entity in TABLES:
            report = import_csv(target, entity, tmp_path / f"{entity}.csv")
            assert report.ok, (entity, report.summary(), report.outcomes[:3])
            assert report.warnings == []
        assert counts(target) == before_counts
        after = _exports(target)
    for entity in TABLES:
        assert after[entity] == before[entity], entity


def test_export_header_is_the_native_format(session: Session) -> None:
    for entity in TABLES:
        header = next(csv.reader(io.StringIO(export_text(session, entity))))
        assert header == native_fields(entity)
