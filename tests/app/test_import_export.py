"""The Import / Export page in AppTest: upload, mapping, dry run, import, rejects, revert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from abm.demo import load_demo
from abm.importing import ENTITIES
from abm.models import Company, Contact

ROOT = Path(__file__).resolve().parents[2]
PAGE = "../../pages/5_Import_Export.py"  # AppTest resolves it against this file's folder

COMPANIES_CSV = b"""name,domain,industry,tier
Initech,initech.com,Software,2
Globex,https://www.globex.com/,Energy,1
Umbrella,umbrella.example,Pharma,
"""

HUBSPOT_CONTACTS_CSV = b"""\
First Name,Last Name,Email,Job Title,Company Name,Company Domain Name,Favourite Colour
Ann,Lee,ann@initech.com,CTO,Initech,initech.com,blue
Bob,Ray,bob@initech.com,Engineer,Initech,initech.com,blue
Cy,Moe,cy@globex.com,CFO,Globex,globex.com,green
"""

ONE_BAD_ROW_CSV = b"""name,domain,tier
Good Co,good.com,1
Bad Co,bad.com,9
"""


@pytest.fixture
def database(databases: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A fresh migrated database that the app under test uses (through DATABASE_URL)."""
    url = databases.create()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.syspath_prepend(str(ROOT))  # the page imports ui from the repo root
    engine = create_engine(url)
    yield engine
    engine.dispose()


def open_page() -> AppTest:
    return AppTest.from_file(PAGE, default_timeout=60).run()


def upload(at: AppTest, data: bytes, entity: str, preset: str = "native") -> AppTest:
    at.selectbox(key="import-entity").set_value(entity)
    at.selectbox(key="import-preset").set_value(preset)
    at.file_uploader(key="import-file").set_value((f"{entity}.csv", data, "text/csv"))
    return at.run()


def count(engine: Engine, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def texts(elements: Any) -> str:
    return " ".join(str(e.value) for e in elements)


def test_the_page_renders_on_an_empty_database(database: Engine) -> None:
    at = open_page()
    assert not at.exception
    assert "Upload a CSV file" in texts(at.info)
    assert "No import yet" in texts(at.info)
    assert [at.download_button(key=f"export-{e}").label for e in ENTITIES] == [
        e.capitalize() for e in ENTITIES
    ]


def test_the_page_renders_on_the_demo_data(database: Engine) -> None:
    with Session(database) as session:
        load_demo(session)
        session.commit()
    at = open_page()
    assert not at.exception
    assert len(at.download_button) == len(ENTITIES)


def test_a_dry_run_reports_and_writes_nothing_then_the_import_writes(database: Engine) -> None:
    at = upload(open_page(), COMPANIES_CSV, "companies")
    assert not at.exception
    mapping = at.dataframe[0].value
    assert list(mapping["Field"]) == ["name", "domain", "industry", "tier"]

    at.button(key="import-dry").click().run()
    assert not at.exception
    assert "Dry run, nothing written" in texts(at.info)
    assert count(database, Company) == 0

    at.button(key="import-run").click().run()
    assert not at.exception
    assert "3 were created" in texts(at.success)
    with Session(database) as session:
        domains = set(session.exec(select(Company.domain)).all())
    assert domains == {"initech.com", "globex.com", "umbrella.example"}


def test_a_hubspot_export_creates_contacts_and_their_companies(database: Engine) -> None:
    at = upload(open_page(), HUBSPOT_CONTACTS_CSV, "contacts", "hubspot")
    assert "Favourite Colour" in texts(at.warning)  # an unknown column is a warning, not a failure
    at.button(key="import-run").click().run()

    assert not at.exception and at.success
    assert (count(database, Contact), count(database, Company)) == (3, 2)


def test_a_file_missing_a_required_column_cannot_be_imported(database: Engine) -> None:
    at = upload(open_page(), b"industry,tier\nSoftware,1\n", "companies")
    assert "Required fields missing" in texts(at.error)
    assert at.button(key="import-run").disabled
    assert count(database, Company) == 0


def test_a_file_in_another_encoding_gets_a_clear_message(database: Engine) -> None:
    at = upload(open_page(), "name,domain\nCafé Ünïcode,cafe.com\n".encode("utf-16"), "companies")
    assert not at.exception
    assert "cannot be read" in texts(at.error)
    assert "import-run" not in {b.key for b in at.button}  # nothing to import from it


def test_skipped_bad_rows_are_offered_as_a_rejects_file(database: Engine) -> None:
    at = upload(open_page(), ONE_BAD_ROW_CSV, "companies")
    at.checkbox(key="import-skip").check().run()
    at.button(key="import-run").click().run()

    assert not at.exception
    assert count(database, Company) == 1
    rejects = at.download_button(key="import-rejects")
    assert rejects.label == "Download the rejected rows"


def test_the_last_import_can_be_reverted_after_confirmation(database: Engine) -> None:
    at = upload(open_page(), COMPANIES_CSV, "companies")
    at.button(key="import-run").click().run()
    assert count(database, Company) == 3
    assert at.button(key="revert-go").disabled

    at.checkbox(key="revert-sure").check().run()
    at.button(key="revert-go").click().run()

    assert not at.exception
    assert "reverted" in texts(at.success)
    assert count(database, Company) == 0
