"""Modes create / upsert / update, repeated rows, dry runs, all-or-nothing and revert."""

from __future__ import annotations

from pathlib import Path

import pytest
from import_helpers import counts, write_csv
from sqlalchemy import text
from sqlmodel import Session

from abm.errors import InvalidInputError, NotFoundError
from abm.importing import import_csv, list_batches, revert_import

HEADER = ["name", "domain", "industry", "tier"]


def _companies(tmp_path: Path, rows: list[list[object]], name: str = "c.csv") -> Path:
    return write_csv(tmp_path / name, HEADER, rows)


def _industry(session: Session, domain: str) -> object:
    return session.execute(text("SELECT industry FROM companies WHERE domain = :d"),
                           {"d": domain}).scalar_one()


def test_create_mode_rejects_existing_rows_and_writes_nothing(
    session: Session, tmp_path: Path
) -> None:
    first = import_csv(session, "companies", _companies(tmp_path, [["Acme", "acme.com", "A", 1]]))
    assert first.ok and first.created == 1
    again = import_csv(session, "companies", _companies(
        tmp_path, [["Beta", "beta.com", "B", 2], ["Acme", "https://www.ACME.com/", "X", 1]]))
    assert not again.ok and not again.committed and again.batch_id is None
    assert [(o.line, o.action) for o in again.outcomes] == [(2, "created"), (3, "rejected")]
    assert "already exists" in again.outcomes[1].reason
    assert counts(session)["companies"] == 1  # all or nothing: Beta was not written either


def test_upsert_updates_matches_and_creates_the_rest(session: Session, tmp_path: Path) -> None:
    import_csv(session, "companies", _companies(tmp_path, [["Acme", "acme.com", "A", 1],
                                                           ["Same", "same.com", "S", 2]]))
    report = import_csv(session, "companies", _companies(tmp_path, [
        ["Acme Inc", "ACME.com", "", 2], ["Same", "same.com", "S", 2], ["New", "new.com", "N", 3],
    ]), mode="upsert")
    assert report.ok
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert [o.action for o in report.outcomes] == ["updated", "unchanged", "created"]
    row = session.execute(text("SELECT name, industry, tier FROM companies "
                               "WHERE domain = 'acme.com'")).one()
    assert tuple(row) == ("Acme Inc", "A", 2)  # an empty cell keeps the value


def test_update_mode_creates_nothing(session: Session, tmp_path: Path) -> None:
    import_csv(session, "companies", _companies(tmp_path, [["Acme", "acme.com", "A", 1]]))
    report = import_csv(session, "companies", _companies(
        tmp_path, [["Acme", "acme.com", "B", 1], ["New", "new.com", "N", 3]]),
        mode="update", skip_bad_rows=True)
    assert report.ok and (report.updated, report.rejected) == (1, 1)
    assert "mode update creates none" in report.outcomes[1].reason
    assert counts(session)["companies"] == 1 and _industry(session, "acme.com") == "B"


def test_repeated_rows_are_merged(session: Session, tmp_path: Path) -> None:
    report = import_csv(session, "companies", _companies(tmp_path, [
        ["Acme", "acme.com", "Health", ""], ["Acme", "www.acme.com", "", 2],
        ["Beta", "beta.com", "", ""],
    ]))
    assert report.ok and (report.created, report.merged) == (2, 1)
    assert report.outcomes[0].action == "merged" and "line 3" in report.outcomes[0].reason
    row = session.execute(text("SELECT industry, tier FROM companies "
                               "WHERE domain = 'acme.com'")).one()
    assert tuple(row) == ("Health", 2)


def test_dry_run_reports_every_row_and_writes_nothing(session: Session, tmp_path: Path) -> None:
    import_csv(session, "companies", _companies(tmp_path, [["Acme", "acme.com", "A", 1]]))
    before = counts(session)
    batches = len(list_batches(session))
    report = import_csv(session, "companies", _companies(tmp_path, [
        ["Acme", "acme.com", "Z", 1], ["Beta", "beta.com", "B", 9], ["Gamma", "gamma.com", "", ""],
    ]), mode="upsert", dry_run=True)
    assert [(o.action, o.line) for o in report.outcomes] == [
        ("updated", 2), ("rejected", 3), ("created", 4)]
    assert report.outcomes[1].reason.startswith("tier:")
    assert not report.ok and not report.committed and report.batch_id is None
    assert counts(session) == before and len(list_batches(session)) == batches
    assert _industry(session, "acme.com") == "A"


def test_skip_bad_rows_writes_the_good_ones_and_the_rejects(
    session: Session, tmp_path: Path
) -> None:
    report = import_csv(session, "companies", _companies(tmp_path, [
        ["Acme", "acme.com", "A", 1], ["Bad", "not a domain", "", ""], ["=cmd()", "", "", "7"],
        ["Beta", "beta.com", "B", 2],
    ]), skip_bad_rows=True)
    assert report.ok and report.committed
    assert (report.created, report.rejected) == (2, 2)
    lines = report.rejects_csv.splitlines()
    assert lines[0] == "_line,_reason,name,domain,industry,tier"
    assert lines[1].startswith("3,domain: 'not a domain' is not a valid domain,Bad,")
    assert lines[2].startswith("4,tier:") and ",'=cmd()," in lines[2]  # no live formula


def test_revert_restores_updates_and_deletes_creations(session: Session, tmp_path: Path) -> None:
    first = import_csv(session, "companies", _companies(tmp_path, [["Acme", "acme.com", "A", 1]]))
    contacts = write_csv(tmp_path / "p.csv", ["email", "company_domain", "title"],
                         [["a@acme.com", "acme.com", "CEO"], ["b@new.com", "new.com", "CTO"]])
    second = import_csv(session, "contacts", contacts)
    assert second.parents_created == {"companies": 1}
    third = import_csv(session, "companies", _companies(
        tmp_path, [["Acme", "acme.com", "Changed", 1], ["Zed", "zed.com", "", ""]]), mode="upsert")
    assert third.updated == 1 and third.created == 1
    with pytest.raises(InvalidInputError, match="revert those first"):
        revert_import(session, second.batch_id)
    result = revert_import(session)  # the last one
    assert (result.batch_id, result.restored, result.deleted) == (third.batch_id, 1, 1)
    assert _industry(session, "acme.com") == "A"
    revert_import(session)
    assert counts(session) == {**counts(session), "companies": 1, "contacts": 0}
    revert_import(session, first.batch_id)
    assert counts(session)["companies"] == 0
    statuses = {b.id: b.status for b in list_batches(session)}
    assert statuses[first.batch_id] == statuses[third.batch_id] == "reverted"
    with pytest.raises(NotFoundError):
        revert_import(session)


def test_touchpoints_upsert_by_external_id_and_revert(session: Session, tmp_path: Path) -> None:
    write = write_csv
    import_csv(session, "contacts", write(tmp_path / "c.csv", ["email", "company_domain"],
                                          [["ann@acme.com", "acme.com"]]))
    header = ["contact_email", "occurred_at", "direction", "subject", "external_id", "opened_at"]
    first = import_csv(session, "touchpoints", write(tmp_path / "t.csv", header, [
        ["ann@acme.com", "2024-01-01T10:00:00Z", "outbound", "Hello", "m1", ""],
        ["ann@acme.com", "2024-01-02T10:00:00Z", "inbound", "Re: Hello", "m2", ""],
    ]))
    assert first.ok and first.parents_created == {"conversations": 1}
    second = import_csv(session, "touchpoints", write(tmp_path / "t2.csv", header, [
        ["ann@acme.com", "2024-01-01T10:00:00Z", "outbound", "Hello", "m1",
         "2024-01-01T11:00:00Z"],
    ]), mode="upsert")
    assert (second.updated, second.created) == (1, 0)
    points = session.execute(text("SELECT engagement_points FROM contacts")).scalar_one()
    assert points == 6  # inbound 5 + opened 1, kept by the triggers
    revert_import(session)
    assert session.execute(text("SELECT engagement_points FROM contacts")).scalar_one() == 5
    revert_import(session)
    assert counts(session)["touchpoints"] == counts(session)["conversations"] == 0
