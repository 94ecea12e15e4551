"""CSV formats: the native columns of each entity and the header maps of CRM exports."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ENTITIES = ("companies", "contacts", "relationships", "conversations", "touchpoints")
PRESETS = ("native", "hubspot", "salesforce", "enron")


@dataclass(frozen=True)
class Column:
    """One native column: its name, how its cells are read, and whether it is a reference."""

    name: str
    kind: str = "text"  # text, email, domain, int, float, bool, timestamp, json, tier, or a vocab


def _cols(*specs: str) -> tuple[Column, ...]:
    """Columns from "name" or "name:kind" strings (a compact, readable table)."""
    out = []
    for spec in specs:
        name, _, kind = spec.partition(":")
        out.append(Column(name, kind or "text"))
    return tuple(out)


def contact_ref(prefix: str) -> tuple[str, ...]:
    """The columns naming a contact ("contact" or "related"): email, company, first, last name.

    Email is optional for a contact, so one without it is named by company and name.
    """
    return (
        f"{prefix}_email:email", f"{prefix}_company_domain:domain", f"{prefix}_company_name",
        f"{prefix}_first_name", f"{prefix}_last_name",
    )


# The native format: the model's columns, with contacts and companies referred to by email and
# domain (never by id), so that an export imports into an empty database.
NATIVE: dict[str, tuple[Column, ...]] = {
    "companies": _cols(
        "name", "domain:domain", "industry", "sector", "tier:tier", "status:company_status",
        "employee_count:int", "annual_revenue:int", "location", "owner", "description",
        "research_data:json", "research_updated_at:timestamp",
    ),
    "contacts": _cols(
        "email:email", "first_name", "last_name", "company_domain:domain", "company_name",
        "phone", "title", "department", "role:role", "seniority:seniority",
        "is_decision_maker:bool", "is_primary:bool", "linkedin_url", "location", "timezone",
        "interests:list", "communication_preferences:json", "preferred_channel:channel",
        "opted_out:bool", "notes",
    ),
    "relationships": _cols(
        *contact_ref("contact"), *contact_ref("related"), "relationship_type:relationship_type",
        "strength:strength", "confidence:fraction", "source", "notes",
    ),
    "conversations": _cols(
        *contact_ref("contact"), "subject", "status:conversation_status",
        "qualification_tier:qualification_tier", "channel:channel", "owner",
        "next_followup_at:timestamp", "context:json", "outcome", "started_at:timestamp",
        "closed_at:timestamp",
    ),
    "touchpoints": _cols(
        *contact_ref("contact"), "conversation_subject", "conversation_started_at:timestamp",
        "channel:channel", "direction:direction", "occurred_at:timestamp", "subject", "content",
        "external_id", "duration_minutes:int", "delivered_at:timestamp", "opened_at:timestamp",
        "clicked_at:timestamp", "replied_at:timestamp", "details:json",
    ),
}

_CONTACT = ("contact_email", "contact_first_name", "contact_last_name")
_RELATED = ("related_email", "related_first_name", "related_last_name")

# Each group lists fields of which at least one must be mapped for the file to be readable.
REQUIRED: dict[str, tuple[tuple[str, ...], ...]] = {
    "companies": (("name", "domain"),),
    "contacts": (("email", "first_name", "last_name"), ("company_domain", "company_name")),
    "relationships": (_CONTACT, _RELATED),
    "conversations": (_CONTACT,),
    "touchpoints": (_CONTACT, ("occurred_at",)),
}


def header_key(header: str) -> str:
    """Headers compare on letters and digits only: "First Name" = "first_name" = "FirstName"."""
    return re.sub(r"[^a-z0-9]", "", header.lower())


# Preset maps: CRM header -> native field (None: a known column that is deliberately ignored,
# so it raises no warning). Keys go through header_key, so case and punctuation do not matter.
_HUBSPOT: dict[str, dict[str, str | None]] = {
    "companies": {
        "Company name": "name", "Name": "name", "Company Domain Name": "domain",
        "Website URL": "domain", "Industry": "industry", "Number of Employees": "employee_count",
        "Annual Revenue": "annual_revenue", "City": "location", "Company owner": "owner",
        "Description": "description", "About Us": "description",
        "Ideal Customer Profile Tier": "tier", "Record ID": None, "Create Date": None,
        "Last Activity Date": None, "Lifecycle Stage": None, "Type": None, "Phone Number": None,
        "State/Region": None, "Country/Region": None, "Time Zone": None,
        "Last Modified Date": None, "Associated Contact": None,
    },
    "contacts": {
        "First Name": "first_name", "Last Name": "last_name", "Email": "email",
        "Phone Number": "phone", "Mobile Phone Number": "phone", "Job Title": "title",
        "Company Name": "company_name", "Associated Company": "company_name",
        "Company Domain Name": "company_domain", "Website URL": "company_domain",
        "City": "location", "Department": "department", "Buying Role": "role",
        "Seniority": "seniority", "Time Zone": "timezone", "LinkedIn URL": "linkedin_url",
        "Unsubscribed from all email": "opted_out", "Record ID": None, "Contact owner": None,
        "Lifecycle Stage": None, "Lead Status": None, "Create Date": None,
        "Last Activity Date": None, "State/Region": None, "Country/Region": None,
        "Marketing contact status": None, "Last Modified Date": None,
        "Associated Company IDs": None, "Primary Associated Company ID": None,
    },
    "conversations": {
        "Contact Email": "contact_email", "Email": "contact_email", "Deal Name": "subject",
        "Deal Stage": "status", "Deal owner": "owner", "Create Date": "started_at",
        "Close Date": "closed_at", "Next Activity Date": "next_followup_at", "Record ID": None,
        "Amount": None, "Pipeline": None,
    },
    "touchpoints": {
        "Contact Email": "contact_email", "Email": "contact_email",
        "Activity Type": "channel", "Activity date": "occurred_at",
        "Email subject": "subject", "Subject": "subject", "Body": "content",
        "Email direction": "direction", "Call duration (minutes)": "duration_minutes",
        "Record ID": "external_id", "Thread": "conversation_subject",
    },
}

_SALESFORCE: dict[str, dict[str, str | None]] = {
    "companies": {
        "Name": "name", "Account Name": "name", "Website": "domain", "Industry": "industry",
        "NumberOfEmployees": "employee_count", "Employees": "employee_count",
        "AnnualRevenue": "annual_revenue", "BillingCity": "location", "Billing City": "location",
        "Owner.Name": "owner", "Account Owner": "owner", "Description": "description",
        "Id": None, "Account ID": None, "Type": None, "Phone": None, "BillingState": None,
        "Billing State/Province": None, "BillingCountry": None, "Billing Country": None,
        "CreatedDate": None, "Created Date": None, "OwnerId": None, "Rating": None,
        "LastModifiedDate": None, "AccountSource": None, "ParentId": None,
    },
    "contacts": {
        "FirstName": "first_name", "LastName": "last_name", "Email": "email",
        "Phone": "phone", "MobilePhone": "phone", "Mobile": "phone", "Title": "title",
        "Department": "department", "Account.Name": "company_name",
        "Account Name": "company_name", "Account.Website": "company_domain",
        "Website": "company_domain", "MailingCity": "location", "Mailing City": "location",
        "HasOptedOutOfEmail": "opted_out", "Email Opt Out": "opted_out",
        "Description": "notes", "Id": None, "Contact ID": None, "AccountId": None,
        "Account ID": None, "Salutation": None, "OwnerId": None, "Owner.Name": None,
        "Contact Owner": None, "LeadSource": None, "Lead Source": None, "CreatedDate": None,
        "Created Date": None, "MailingState": None, "MailingCountry": None,
        "Mailing State/Province": None, "Mailing Country": None, "LastModifiedDate": None,
    },
    "conversations": {
        "Contact.Email": "contact_email", "Email": "contact_email", "Name": "subject",
        "Opportunity Name": "subject", "StageName": "status", "Stage": "status",
        "Owner.Name": "owner", "Opportunity Owner": "owner", "CreatedDate": "started_at",
        "Created Date": "started_at", "CloseDate": None, "Close Date": None,
        "NextStep": "outcome", "Id": None, "Amount": None, "AccountId": None,
    },
    "touchpoints": {
        "Who.Email": "contact_email", "Email": "contact_email", "Subject": "subject",
        "ActivityDate": "occurred_at", "Date": "occurred_at", "TaskSubtype": "channel",
        "Type": "channel", "Description": "content", "Comments": "content",
        "CallDurationInSeconds": None, "Id": "external_id", "What.Name": "conversation_subject",
        "Status": None, "OwnerId": None, "WhoId": None, "WhatId": None,
    },
}

# The enron-f500 data set shipped with the project (shared/data/enron-f500).
_ENRON: dict[str, dict[str, str | None]] = {
    "companies": {"company_name": "name", "employees": "employee_count", "rank": None},
    "contacts": {
        "contact_email": "email", "domain": "company_domain", "first_seen": None,
        "last_seen": None, "touches": None,
    },
    "relationships": {"shared_messages": None},
    "touchpoints": {
        "message_id": "external_id", "thread": "conversation_subject", "enron_person": None,
    },
}

_PRESET_MAPS: dict[str, dict[str, dict[str, str | None]]] = {
    "native": {},
    "hubspot": _HUBSPOT,
    "salesforce": _SALESFORCE,
    "enron": _ENRON,
}


@dataclass
class MappingPreview:
    """How a file's columns would be read: header -> field, and what is wrong or unknown."""

    entity: str
    preset: str
    columns: list[tuple[str, str | None]] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    @property
    def fields(self) -> list[str]:
        """The distinct native fields the file provides, in header order."""
        seen: list[str] = []
        for _, target in self.columns:
            if target and target not in seen:
                seen.append(target)
        return seen


def check_entity(entity: str) -> None:
    if entity not in ENTITIES:
        raise ValueError(f"entity: unknown {entity!r}; expected one of {', '.join(ENTITIES)}")


def native_fields(entity: str) -> list[str]:
    check_entity(entity)
    return [column.name for column in NATIVE[entity]]


def column_kinds(entity: str) -> dict[str, str]:
    return {column.name: column.kind for column in NATIVE[entity]}


def preset_map(entity: str, preset: str) -> dict[str, str | None]:
    """The preset's header map for the entity, keyed by header_key, native names included."""
    check_entity(entity)
    if preset not in _PRESET_MAPS:
        raise ValueError(f"preset: unknown {preset!r}; expected one of {', '.join(PRESETS)}")
    known: dict[str, str | None] = {header_key(name): name for name in native_fields(entity)}
    # A preset's own names win over native names ("Email" is a contact's email in HubSpot).
    for header, target in _PRESET_MAPS[preset].get(entity, {}).items():
        known[header_key(header)] = target
    return known


def preview_mapping(
    entity: str,
    header: list[str],
    preset: str = "native",
    mapping: dict[str, str | None] | None = None,
) -> MappingPreview:
    """Map a CSV header to native fields: preset (case-insensitive), then explicit `mapping`."""
    known = preset_map(entity, preset)
    explicit = {header_key(k): v for k, v in (mapping or {}).items()}
    fields = set(native_fields(entity))
    preview = MappingPreview(entity=entity, preset=preset)
    for name in header:
        key = header_key(name)
        if key in explicit:
            target = explicit[key]
            if target is not None and target not in fields:
                raise ValueError(
                    f"mapping: {name!r} -> {target!r}: {entity} have no field {target!r}"
                )
        elif key in known:
            target = known[key]
        else:
            target = None
            preview.unknown.append(name)
        preview.columns.append((name, target))
    for name in (mapping or {}):
        if header_key(name) not in {header_key(h) for h in header}:
            preview.warnings.append(f"mapping names column {name!r}, which the file lacks")
    if preview.unknown:
        preview.warnings.append("unknown columns ignored: " + ", ".join(preview.unknown))
    mapped = set(preview.fields)
    for group in REQUIRED[entity]:
        if not mapped.intersection(group):
            preview.missing.append(" or ".join(group))
    return preview
