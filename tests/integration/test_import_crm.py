"""CSV exports shaped like HubSpot's and Salesforce's, imported with their presets."""

from __future__ import annotations

from import_helpers import DATA, counts
from sqlalchemy import text
from sqlmodel import Session

from abm.exporting import export_text
from abm.importing import import_csv


def _one(session: Session, sql: str, **params: object) -> object:
    return session.execute(text(sql), params).one()


def test_hubspot_companies_then_contacts(session: Session) -> None:
    companies = import_csv(session, "companies", DATA / "hubspot_companies.csv", preset="hubspot")
    assert companies.ok and companies.created == 3
    assert companies.warnings == ["unknown columns ignored: Parent Company"]
    assert _one(session, "SELECT name, tier, employee_count, annual_revenue, location FROM "
                "companies WHERE domain = 'acmemedical.com'") == (
        "Acme Medical Group", 1, 1200, 250_000_000, "Boston")
    # No domain column value: the website URL gives it, normalised.
    assert _one(session, "SELECT employee_count, tier FROM companies "
                "WHERE domain = 'globex.example.com'") == (5400, 2)

    contacts = import_csv(session, "contacts", DATA / "hubspot_contacts.csv", preset="hubspot")
    assert contacts.ok, contacts.outcomes
    assert contacts.created == 5
    assert contacts.parents_created == {"companies": 1}  # NewCo, known by name only
    assert "Favorite Color" in contacts.warnings[0]
    assert _one(session, "SELECT c.email, c.title, co.domain FROM contacts c JOIN companies co "
                "ON co.id = c.company_id WHERE c.last_name = 'Lopez'") == (
        "maria.lopez@acmemedical.com", "Chief Medical Officer", "acmemedical.com")
    assert _one(session, "SELECT first_name, last_name FROM contacts "
                "WHERE email = 'orders@initech.io'") == ("", "")
    assert _one(session, "SELECT name, domain, contact_count FROM companies "
                "WHERE name = 'NewCo'") == ("NewCo", None, 1)
    assert counts(session)["companies"] == 4


def test_salesforce_accounts_and_contacts(session: Session) -> None:
    accounts = import_csv(session, "companies", DATA / "salesforce_accounts.csv",
                          preset="salesforce")
    assert accounts.ok and accounts.created == 2 and accounts.warnings == []
    contacts = import_csv(session, "contacts", DATA / "salesforce_contacts.csv",
                          preset="salesforce")
    assert contacts.ok, contacts.outcomes
    assert (contacts.created, contacts.parents_created) == (3, {})
    assert _one(session, "SELECT co.domain, c.opted_out, c.department FROM contacts c "
                "JOIN companies co ON co.id = c.company_id WHERE c.last_name = 'Wesker'") == (
        "umbrella-corp.example.com", True, "R&D")
    # A formula in a cell is kept as plain text...
    title = _one(session, "SELECT title FROM contacts WHERE first_name = 'Jill'")[0]
    assert title == '=HYPERLINK("http://evil.example","click")'
    # ...and the export never carries it as a live formula.
    exported = export_text(session, "contacts")
    assert "'=HYPERLINK" in exported
    assert ",=HYPERLINK" not in exported and '"=HYPERLINK' not in exported


def test_salesforce_report_links_contacts_to_accounts_by_name(session: Session) -> None:
    import_csv(session, "companies", DATA / "salesforce_accounts.csv", preset="salesforce")
    report = import_csv(session, "contacts", DATA / "salesforce_contacts_report.csv",
                        preset="salesforce")
    assert report.ok and report.created == 2
    assert report.parents_created == {"companies": 1}  # Tyrell did not exist
    assert _one(session, "SELECT co.domain FROM contacts c JOIN companies co "
                "ON co.id = c.company_id WHERE c.email = 'maria.lopez@acmemedical.com'") == (
        "acmemedical.com",)
