"""Data entry: create, edit and delete every kind of record, and record email events."""

import streamlit as st

import entity_forms
import ui

ui.page("Data entry", icon="✏️")
st.title("Data entry")

SECTIONS = {
    "companies": "Companies",
    "contacts": "Contacts",
    "relationships": "Relationships",
    "conversations": "Conversations",
    "touchpoints": "Touchpoints",
    "emails": "Email events",
}
wanted = st.query_params.get("entity", "companies")
section = st.radio(
    "What to enter",
    list(SECTIONS),
    index=list(SECTIONS).index(wanted) if wanted in SECTIONS else 0,
    format_func=SECTIONS.__getitem__,
    horizontal=True,
    key="entry-section",
)
st.query_params["entity"] = section

if section == "companies":
    entity_forms.company_section()
else:
    company_id = entity_forms.account_picker()
    if company_id is not None:
        {
            "contacts": entity_forms.contact_section,
            "relationships": entity_forms.relationship_section,
            "conversations": entity_forms.conversation_section,
            "touchpoints": entity_forms.touchpoint_section,
            "emails": entity_forms.email_section,
        }[section](company_id)
