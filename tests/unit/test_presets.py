"""Header maps of the presets, cell readers and formula neutralising: no database."""

from __future__ import annotations

import pytest

from abm.cells import READERS, neutralize, unneutralize
from abm.errors import InvalidInputError
from abm.presets import ENTITIES, PRESETS, native_fields, preview_mapping


def test_hubspot_contact_headers_map_case_insensitively() -> None:
    header = ["FIRST NAME", "last name", "Email", "Job Title", "Company Name",
              "Company Domain Name", "Record ID", "Favorite Color"]
    preview = preview_mapping("contacts", header, "hubspot")
    assert dict(preview.columns) == {
        "FIRST NAME": "first_name", "last name": "last_name", "Email": "email",
        "Job Title": "title", "Company Name": "company_name",
        "Company Domain Name": "company_domain", "Record ID": None, "Favorite Color": None,
    }
    assert preview.unknown == ["Favorite Color"]  # Record ID is known and ignored on purpose
    assert preview.ok and any("Favorite Color" in w for w in preview.warnings)


def test_salesforce_account_name_in_both_spellings() -> None:
    for header in (["FirstName", "Email", "Account.Name"], ["First Name", "Email",
                                                             "Account Name"]):
        preview = preview_mapping("contacts", header, "salesforce")
        assert preview.fields == ["first_name", "email", "company_name"]
    accounts = preview_mapping("companies", ["Name", "Website", "NumberOfEmployees"],
                               "salesforce")
    assert accounts.fields == ["name", "domain", "employee_count"]


def test_native_names_work_in_every_preset() -> None:
    for preset in PRESETS:
        for entity in ENTITIES:
            preview = preview_mapping(entity, native_fields(entity), preset)
            assert preview.ok, (preset, entity, preview.missing)


def test_missing_required_columns_are_named() -> None:
    preview = preview_mapping("relationships", ["contact_email", "strength"])
    assert preview.missing == ["related_email or related_first_name or related_last_name"]
    assert not preview.ok
    contacts = preview_mapping("contacts", ["email", "title"])
    assert contacts.missing == ["company_domain or company_name"]


def test_explicit_mapping_overrides_the_preset() -> None:
    preview = preview_mapping("contacts", ["Mail", "Firma", "Email"], "hubspot",
                              mapping={"Mail": "email", "Firma": "company_name", "Email": None})
    assert dict(preview.columns) == {"Mail": "email", "Firma": "company_name", "Email": None}
    assert preview.unknown == []
    with pytest.raises(ValueError, match="no field 'shoe_size'"):
        preview_mapping("contacts", ["Mail"], mapping={"Mail": "shoe_size"})


def test_unknown_preset_and_entity_are_refused() -> None:
    with pytest.raises(ValueError, match="preset"):
        preview_mapping("contacts", ["email"], "pipedrive")
    with pytest.raises(ValueError, match="entity"):
        preview_mapping("deals", ["email"])


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://x\",\"y\")", "+1 555", "-2", "@SUM(A1)",
                                  "\t=1", "'=already quoted", "''=twice", "plain", "", "'plain"])
def test_neutralize_round_trips_and_leaves_no_formula(cell: str) -> None:
    safe = neutralize(cell)
    assert safe[:1] not in {"=", "+", "-", "@", "\t", "\r"}
    assert unneutralize(safe) == cell


def test_cell_readers() -> None:
    assert READERS["tier"]("tier_1") == "1"
    assert READERS["tier"]("Tier 3") == "3"
    assert READERS["int"]("5,400") == "5400"
    assert READERS["domain"]("https://www.AcmeMedical.com/about") == "acmemedical.com"
    assert READERS["email"](" Maria.Lopez@AcmeMedical.com") == "maria.lopez@acmemedical.com"
    assert READERS["bool"]("Yes") == "true" and READERS["bool"]("0") == "false"
    assert READERS["timestamp"]("2023-01-15 10:23") == "2023-01-15T10:23:00+00:00"
    assert READERS["timestamp"]("01/15/2023") == "2023-01-15T00:00:00+00:00"
    assert READERS["timestamp"]("2001-07-02T13:56:33Z") == "2001-07-02T13:56:33Z"
    assert READERS["conversation_status"]("Closed Won") == "won"
    assert READERS["channel"]("Phone") == "call"
    assert READERS["list"]("gas; power") == '["gas", "power"]'
    for kind, cell in [("tier", "4"), ("int", "12a"), ("bool", "maybe"), ("email", "nope@"),
                       ("timestamp", "31/31/2020"), ("json", "{bad"), ("channel", "fax"),
                       ("fraction", "1.5")]:
        with pytest.raises(InvalidInputError):
            READERS[kind](cell)
