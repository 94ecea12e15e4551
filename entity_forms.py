"""The dashboard's forms for each kind of record, and the follow-up actions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import streamlit as st
from sqlmodel import Session, col, select

import ui
from abm.models import (
    BuyingRole,
    Channel,
    Company,
    CompanyStatus,
    Contact,
    Conversation,
    ConversationStatus,
    Direction,
    QualificationTier,
    Relationship,
    RelationshipType,
    Seniority,
    Strength,
    Touchpoint,
)
from abm.repositories import (
    CompanyRepository,
    ContactRepository,
    ConversationRepository,
    RelationshipRepository,
    TouchpointRepository,
)
from forms import (
    Editor,
    Input,
    picker,
    readable,
    record_section,
    render_form,
    submit,
    submit_changes,
)

EMAIL_EVENTS = ("opened", "clicked", "replied")
# Option lists are capped so a page stays light on a huge database; the selectbox filters.
MAX_CHOICES = 5000


def _words(vocabulary: Any) -> tuple[str, ...]:
    return tuple(member.value for member in vocabulary)


# --- cached option lists (module level so ui.read can cache them) --------------------------


def company_choices(session: Session) -> dict[int, str]:
    """Company id -> "Name (domain)", by name."""
    rows = session.exec(
        select(Company.id, Company.name, Company.domain).order_by(Company.name).limit(MAX_CHOICES)
    ).all()
    return {i: f"{n} ({d})" if d else n for i, n, d in rows if i is not None}


def contact_choices(session: Session, company_id: int) -> dict[int, str]:
    """Contact id -> "Full Name · title" for one account."""
    contacts = ContactRepository(session).find_contacts_by_company(company_id)
    return {
        int(c.id): f"{c.full_name} · {c.title}" if c.title else c.full_name
        for c in contacts
        if c.id is not None
    }


def relationship_choices(session: Session, company_id: int) -> dict[int, str]:
    """Relationship id -> "A — type — B" for one account."""
    names = contact_choices(session, company_id)
    rows = session.exec(
        select(Relationship)
        .where(Relationship.company_id == company_id)
        .order_by(col(Relationship.id))
    ).all()
    return {
        int(r.id): f"{names.get(r.contact_id, r.contact_id)} — {readable(r.relationship_type)} — "
        f"{names.get(r.related_contact_id, r.related_contact_id)}"
        for r in rows
        if r.id is not None
    }


def conversation_choices(session: Session, company_id: int) -> dict[int, str]:
    """Conversation id -> "Subject · contact · status" for one account, newest first."""
    names = contact_choices(session, company_id)
    rows = ConversationRepository(session).get_conversations_by_company(company_id)
    return {
        int(c.id): f"{c.subject or '(no subject)'} · {names.get(c.contact_id, '?')} · {c.status}"
        for c in rows
        if c.id is not None
    }


def touchpoint_choices(
    session: Session, conversation_id: int, outbound_email_only: bool = False
) -> dict[int, str]:
    """Touchpoint id -> "date · channel · subject [events]" for one conversation."""
    rows = TouchpointRepository(session).get_touchpoint_history(conversation_id=conversation_id)
    choices: dict[int, str] = {}
    for t in rows:
        if t.id is None:
            continue
        if outbound_email_only and (t.channel != Channel.EMAIL or t.direction != "outbound"):
            continue
        events = [n for n in EMAIL_EVENTS if getattr(t, f"{n}_at")]
        tail = f" [{', '.join(events)}]" if events else ""
        when = t.occurred_at.strftime("%Y-%m-%d %H:%M")
        choices[int(t.id)] = f"{when} · {t.direction} {t.channel} · {t.subject or ''}{tail}"
    return choices


# --- pickers -------------------------------------------------------------------------------


def account_picker(key: str = "entry-account") -> int | None:
    """The account to work in, kept in the URL (`?company=ID`) so the view can be shared."""
    choices = ui.read(company_choices)
    if not choices:
        st.info("No company yet: create one under Companies (or load the demo on the home page).")
        return None
    chosen = picker("Account", choices, key, ui.query_id("company"), None)
    ui.set_query_id("company", chosen)
    return chosen


def conversation_picker(company_id: int, key: str) -> int | None:
    """A conversation of the account (`?conversation=ID` preselects it)."""
    choices = ui.read(conversation_choices, company_id)
    if not choices:
        st.info("This account has no conversation yet: create one under Conversations.")
        return None
    return picker("Conversation", choices, key, ui.query_id("conversation"), None)


# --- one section per entity ----------------------------------------------------------------

COMPANY_INPUTS = (
    Input("name", "Name", blank=False),
    Input("domain", "Domain", help="acme.com (stored without https:// or www.)"),
    Input("industry", "Industry"),
    Input("tier", "Tier", "choice", (1, 2, 3), {1: "1 (highest)", 2: "2", 3: "3"}),
    Input("status", "Status", "choice", _words(CompanyStatus), blank=False),
    Input("employee_count", "Employees", "int"),
    Input("annual_revenue", "Annual revenue", "int"),
    Input("location", "Location"),
    Input("owner", "Owner"),
    Input("description", "Description", "area"),
)

CONTACT_INPUTS = (
    Input("first_name", "First name", blank=False),
    Input("last_name", "Last name", blank=False),
    Input("email", "Email", help="A contact needs an email or a name."),
    Input("title", "Title"),
    Input("role", "Buying role", "combo", _words(BuyingRole), help="Pick one or type your own."),
    Input("seniority", "Seniority", "combo", _words(Seniority)),
    Input("is_decision_maker", "Decision maker", "flag"),
    Input("is_primary", "Primary contact of the account", "flag"),
    Input("phone", "Phone"),
    Input("department", "Department"),
    Input("preferred_channel", "Preferred channel", "choice", _words(Channel)),
    Input("linkedin_url", "LinkedIn URL"),
    Input("location", "Location"),
    Input("timezone", "Time zone"),
    Input("opted_out", "Opted out of contact", "flag"),
    Input("notes", "Notes", "area"),
)


def _relationship_inputs(contacts: Mapping[int, str]) -> tuple[Input, ...]:
    return (
        Input("contact_id", "Contact", "choice", tuple(contacts), dict(contacts), blank=False),
        Input(
            "relationship_type",
            "Relationship",
            "choice",
            _words(RelationshipType),
            blank=False,
            help="A reports to B, A manager of B, ...",
        ),
        Input(
            "related_contact_id",
            "Related contact",
            "choice",
            tuple(contacts),
            dict(contacts),
            blank=False,
        ),
        Input("strength", "Strength", "choice", _words(Strength), blank=False),
        Input("confidence", "Confidence (0 to 1)", "float"),
        Input("source", "Source", help="Where we learned it (LinkedIn, the contact, ...)"),
        Input("notes", "Notes", "area"),
    )


def _conversation_inputs(contacts: Mapping[int, str]) -> tuple[Input, ...]:
    return (
        Input("contact_id", "Contact", "choice", tuple(contacts), dict(contacts), blank=False),
        Input("subject", "Subject"),
        Input("status", "Status", "choice", _words(ConversationStatus), blank=False),
        Input(
            "qualification_tier", "Qualification", "choice", _words(QualificationTier), blank=False
        ),
        Input("channel", "Main channel", "choice", _words(Channel)),
        Input("owner", "Owner"),
        Input("next_followup_at", "Next follow-up", "when"),
        Input("outcome", "Outcome", help="Why it was won, lost or closed."),
    )


TOUCHPOINT_INPUTS = (
    Input("channel", "Channel", "choice", _words(Channel), blank=False),
    Input("direction", "Direction", "choice", _words(Direction), blank=False),
    Input("occurred_at", "When", "when"),
    Input("subject", "Subject"),
    Input("content", "Content or notes", "area"),
    Input("duration_minutes", "Duration (minutes)", "int"),
)


def _account_link(company_id: int) -> str:
    return f"[Open the account]({ui.company_url(company_id)})"


def _contact_link(contact_id: int) -> str:
    return f"[Open the contact]({ui.contact_url(contact_id)})"


def company_section() -> None:
    """Create, edit or delete a company."""
    editor = Editor(
        "company",
        Company,
        COMPANY_INPUTS,
        "Create company",
        _create_company,
        _update_company,
        lambda s, i: CompanyRepository(s).delete_company(i),
    )
    defaults = {"status": CompanyStatus.TARGET.value}
    record_section("company", editor, ui.read(company_choices), ui.query_id("company"), defaults)


def _create_company(session: Session, values: Mapping[str, Any]) -> str:
    company = CompanyRepository(session).create_company(**values)
    assert company.id is not None
    return f"Company **{ui.md(company.name)}** created. {_account_link(company.id)}"


def _update_company(session: Session, company_id: int, diff: Mapping[str, Any]) -> str:
    company = CompanyRepository(session).update_company(company_id, **diff)
    return f"Company **{ui.md(company.name)}** saved. {_account_link(company_id)}"


def contact_section(company_id: int) -> None:
    """Create, edit or delete a contact of the account."""
    editor = Editor(
        "contact",
        Contact,
        CONTACT_INPUTS,
        "Create contact",
        lambda s, values: _create_contact(s, company_id, values),
        _update_contact,
        lambda s, i: ContactRepository(s).delete_contact(i),
    )
    choices = ui.read(contact_choices, company_id)
    record_section(f"contact-{company_id}", editor, choices, ui.query_id("contact"), {})


def _create_contact(session: Session, company_id: int, values: Mapping[str, Any]) -> str:
    contact = ContactRepository(session).create_contact(company_id=company_id, **values)
    assert contact.id is not None
    return f"Contact **{ui.md(contact.full_name)}** created. {_contact_link(contact.id)}"


def _update_contact(session: Session, contact_id: int, diff: Mapping[str, Any]) -> str:
    contact = ContactRepository(session).update_contact(contact_id, **diff)
    return f"Contact **{ui.md(contact.full_name)}** saved. {_contact_link(contact_id)}"


def relationship_section(company_id: int) -> None:
    """Create, edit or delete a relationship between two contacts of the account."""
    contacts = ui.read(contact_choices, company_id)
    if len(contacts) < 2:
        st.info("A relationship needs two contacts: add contacts to this account first.")
        return
    editor = Editor(
        "relationship",
        Relationship,
        _relationship_inputs(contacts),
        "Create relationship",
        lambda s, values: _create_relationship(s, company_id, values),
        lambda s, i, diff: _update_relationship(s, company_id, i, diff),
        lambda s, i: RelationshipRepository(s).delete_relationship(i),
        fixed=("contact_id", "related_contact_id"),
    )
    defaults = {
        "relationship_type": RelationshipType.COLLEAGUE.value,
        "strength": Strength.MEDIUM.value,
        "confidence": 1.0,
    }
    choices = ui.read(relationship_choices, company_id)
    record_section(f"relationship-{company_id}", editor, choices, None, defaults)


def _create_relationship(session: Session, company_id: int, values: Mapping[str, Any]) -> str:
    RelationshipRepository(session).create_relationship(**values)
    return f"Relationship created. {_account_link(company_id)}"


def _update_relationship(
    session: Session, company_id: int, relationship_id: int, diff: Mapping[str, Any]
) -> str:
    RelationshipRepository(session).update_relationship(relationship_id, **diff)
    return f"Relationship saved. {_account_link(company_id)}"


def conversation_section(company_id: int) -> None:
    """Create, edit (status and tier included) or delete a conversation of the account."""
    contacts = ui.read(contact_choices, company_id)
    if not contacts:
        st.info("A conversation is held with a contact: add a contact to this account first.")
        return
    editor = Editor(
        "conversation",
        Conversation,
        _conversation_inputs(contacts),
        "Create conversation",
        _create_conversation,
        _update_conversation,
        lambda s, i: ConversationRepository(s).delete_conversation(i),
        fixed=("contact_id",),
    )
    defaults = {
        "contact_id": ui.query_id("contact"),
        "status": ConversationStatus.ACTIVE.value,
        "qualification_tier": QualificationTier.WARM.value,
    }
    choices = ui.read(conversation_choices, company_id)
    base = f"conversation-{company_id}"
    record_section(base, editor, choices, ui.query_id("conversation"), defaults)


def _create_conversation(session: Session, values: Mapping[str, Any]) -> str:
    conversation = ConversationRepository(session).create_conversation(**values)
    subject = ui.md(conversation.subject or "(no subject)")
    return f"Conversation **{subject}** created. {_contact_link(conversation.contact_id)}"


def _update_conversation(session: Session, conversation_id: int, diff: Mapping[str, Any]) -> str:
    conversation = ConversationRepository(session).update_conversation(conversation_id, **diff)
    subject = ui.md(conversation.subject or "(no subject)")
    return f"Conversation **{subject}** saved. {_contact_link(conversation.contact_id)}"


def touchpoint_section(company_id: int) -> None:
    """Log, edit or delete a touchpoint of a conversation of the account."""
    conversation_id = conversation_picker(company_id, f"touchpoint-{company_id}-conversation")
    if conversation_id is None:
        return
    editor = Editor(
        "touchpoint",
        Touchpoint,
        TOUCHPOINT_INPUTS,
        "Log touchpoint",
        lambda s, values: _create_touchpoint(s, conversation_id, values),
        _update_touchpoint,
        lambda s, i: TouchpointRepository(s).delete_touchpoint(i),
    )
    defaults = {
        "channel": Channel.EMAIL.value,
        "direction": Direction.OUTBOUND.value,
        "occurred_at": ui.now(),
    }
    choices = ui.read(touchpoint_choices, conversation_id)
    record_section(f"touchpoint-{conversation_id}", editor, choices, None, defaults)


def _create_touchpoint(session: Session, conversation_id: int, values: Mapping[str, Any]) -> str:
    touchpoint = TouchpointRepository(session).create_touchpoint(
        conversation_id=conversation_id, **values
    )
    return f"Touchpoint logged. {_contact_link(touchpoint.contact_id or 0)}"


def _update_touchpoint(session: Session, touchpoint_id: int, diff: Mapping[str, Any]) -> str:
    touchpoint = TouchpointRepository(session).update_touchpoint(touchpoint_id, **diff)
    return f"Touchpoint saved. {_contact_link(touchpoint.contact_id or 0)}"


def email_section(company_id: int) -> None:
    """Record an email sent in a conversation, and its opened / clicked / replied events."""
    conversation_id = conversation_picker(company_id, f"email-{company_id}-conversation")
    if conversation_id is None:
        return
    sent_base = f"email-sent-{conversation_id}"
    st.subheader("Email sent")
    sent = render_form(
        sent_base,
        (Input("subject", "Subject"), Input("sent_at", "Sent", "when")),
        {"sent_at": ui.now()},
        "Record email sent",
    )
    if sent.submitted:
        submit(sent, lambda s: _record_sent(s, conversation_id, sent.values), sent_base)

    st.subheader("Opened, clicked or replied")
    emails = ui.read(touchpoint_choices, conversation_id, True)
    if not emails:
        st.info("No email sent in this conversation yet.")
        return
    event_base = f"email-event-{conversation_id}"
    inputs = (
        Input("touchpoint_id", "Email", "choice", tuple(emails), emails, blank=False),
        Input("event", "Event", "choice", EMAIL_EVENTS, blank=False),
        Input("at", "When", "when"),
    )
    event = render_form(event_base, inputs, {"at": ui.now()}, "Record event")
    if event.submitted:
        submit(
            event,
            lambda s: _record_event(s, event.values),
            event_base,
            aliases={"opened_at": "at", "clicked_at": "at", "replied_at": "at"},
        )


def _record_sent(session: Session, conversation_id: int, values: Mapping[str, Any]) -> str:
    touchpoint = TouchpointRepository(session).record_email_sent(
        conversation_id, subject=values["subject"], sent_at=values["sent_at"]
    )
    return f"Email sent recorded. {_contact_link(touchpoint.contact_id or 0)}"


def _record_event(session: Session, values: Mapping[str, Any]) -> str:
    repository = TouchpointRepository(session)
    record = getattr(repository, f"record_email_{values['event']}")
    touchpoint = record(values["touchpoint_id"], at=values["at"])
    return f"Email {values['event']} recorded. {_contact_link(touchpoint.contact_id or 0)}"


# --- follow-up actions (used by the Follow-ups page) ---------------------------------------

SNOOZES = {"1 day": 1, "3 days": 3, "1 week": 7, "2 weeks": 14, "1 month": 30}


def _get(row: Any, *names: str) -> Any:
    """A field of a model, a Row or a dict, under the first of `names` it has."""
    for name in names:
        if isinstance(row, Mapping) and name in row:
            return row[name]
        if hasattr(row, name):
            return getattr(row, name)
    return None


def followup_actions(conversation: Any) -> None:
    """Log a touch, snooze, or change status / tier of one conversation, each a small form.

    `conversation` is a Conversation, a query row or a dict with `id` (or `conversation_id`),
    and optionally `status` and `qualification_tier` (the current values to start from).
    """
    conversation_id = int(_get(conversation, "id", "conversation_id"))
    base = f"followup-{conversation_id}"
    touch, snooze, state = st.columns(3)
    with touch:
        _log_touch_form(f"{base}-touch", conversation_id)
    with snooze:
        _snooze_form(f"{base}-snooze", conversation_id)
    with state:
        current = {
            "status": _get(conversation, "status") or ConversationStatus.ACTIVE.value,
            "qualification_tier": _get(conversation, "qualification_tier", "tier")
            or QualificationTier.WARM.value,
        }
        _state_form(f"{base}-state", conversation_id, current)


def _log_touch_form(base: str, conversation_id: int) -> None:
    inputs = (
        Input("channel", "Channel", "choice", _words(Channel), blank=False),
        Input("direction", "Direction", "choice", _words(Direction), blank=False),
        Input("subject", "What happened"),
        Input("next", "Next follow-up in", "choice", tuple(SNOOZES), blank=True),
    )
    defaults = {
        "channel": Channel.EMAIL.value,
        "direction": Direction.OUTBOUND.value,
        "next": "1 week",
    }
    rendered = render_form(base, inputs, defaults, "Log touch")
    if rendered.submitted:
        submit(rendered, lambda s: _log_touch(s, conversation_id, rendered.values), base)


def _log_touch(session: Session, conversation_id: int, values: Mapping[str, Any]) -> str:
    now = ui.now()
    TouchpointRepository(session).create_touchpoint(
        conversation_id=conversation_id,
        channel=values["channel"],
        direction=values["direction"],
        occurred_at=now,
        subject=values["subject"],
    )
    if values["next"]:
        ConversationRepository(session).update_conversation(
            conversation_id, next_followup_at=now + timedelta(days=SNOOZES[values["next"]])
        )
    return "Touch logged."


def _snooze_form(base: str, conversation_id: int) -> None:
    inputs = (Input("days", "Snooze for", "choice", tuple(SNOOZES), blank=False),)
    rendered = render_form(base, inputs, {"days": "3 days"}, "Snooze")
    if rendered.submitted:
        until = ui.now() + timedelta(days=SNOOZES[rendered.values["days"]])
        submit(
            rendered,
            lambda s: _snooze(s, conversation_id, until),
            base,
            aliases={"next_followup_at": "days"},
        )


def _snooze(session: Session, conversation_id: int, until: datetime) -> str:
    ConversationRepository(session).update_conversation(conversation_id, next_followup_at=until)
    return f"Snoozed until {until:%Y-%m-%d %H:%M} UTC."


def _state_form(base: str, conversation_id: int, current: Mapping[str, Any]) -> None:
    inputs = (
        Input("status", "Status", "choice", _words(ConversationStatus), blank=False),
        Input(
            "qualification_tier", "Qualification", "choice", _words(QualificationTier), blank=False
        ),
        Input("outcome", "Outcome", help="Why it was won, lost or closed."),
    )
    rendered = render_form(base, inputs, current, "Update")
    if rendered.submitted:
        submit_changes(
            rendered, current, base, lambda s, diff: _update_state(s, conversation_id, diff)
        )


def _update_state(session: Session, conversation_id: int, diff: Mapping[str, Any]) -> str:
    ConversationRepository(session).update_conversation(conversation_id, **diff)
    return "Conversation updated."
