"""Form helpers of the dashboard: inputs, errors beside them, one transaction per submit."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select
from streamlit.delta_generator import DeltaGenerator

import ui
from abm.errors import ABMError, DuplicateError, InvalidInputError
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

Kind = Literal["text", "area", "int", "float", "choice", "combo", "flag", "when"]
Write = Callable[[Session], str]

NEW = "new"
BLANK = "—"
# Option lists are capped so a page stays light on a huge database; the selectbox filters.
MAX_CHOICES = 5000


@dataclass
class Input:
    """One form field: the model field it fills, its label and its kind of widget."""

    name: str
    label: str
    kind: Kind = "text"
    choices: Sequence[Any] = ()
    labels: Mapping[Any, str] = field(default_factory=dict)
    blank: bool = True  # empty text means None; a choice offers "no value"
    help: str | None = None


@dataclass
class Rendered:
    """A drawn form: what the user entered, and where to show errors."""

    key: str
    values: dict[str, Any]
    slots: dict[str, DeltaGenerator]
    general: DeltaGenerator
    submitted: bool


def _words(vocabulary: Any) -> tuple[str, ...]:
    return tuple(member.value for member in vocabulary)


def _label(value: Any) -> str:
    return str(value).replace("_", " ")


# --- widgets -------------------------------------------------------------------------------


def _naive_utc(value: datetime | None) -> datetime | None:
    """Streamlit's datetime widget drops time zones: show UTC wall-clock time."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None)


def _aware(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC)


def _choice_widget(spec: Input, default: Any, **common: Any) -> Any:
    options: list[Any] = list(spec.choices)
    if default is not None and default not in options:
        options.append(default)  # a value from an import that the list does not offer
    if spec.blank:
        options.insert(0, None)
    index = options.index(default) if default in options else 0

    def show(value: Any) -> str:
        return BLANK if value is None else spec.labels.get(value, _label(value))

    return st.selectbox(spec.label, options, index=index, format_func=show, **common)


def _combo_widget(spec: Input, default: Any, **common: Any) -> Any:
    """A suggested value or any text the user types (free-text columns such as role)."""
    options: list[str] = ["", *spec.choices]
    if default and default not in options:
        options.append(default)
    index = options.index(default) if default in options else 0
    value = st.selectbox(
        spec.label,
        options,
        index=index,
        format_func=lambda v: BLANK if v == "" else _label(v),
        accept_new_options=True,
        **common,
    )
    return (value or "").strip() or None


def _text_value(value: str, blank: bool) -> str | None:
    value = value.strip()
    return None if blank and not value else value


def widget(spec: Input, default: Any, key: str, disabled: bool = False) -> Any:
    """Draw the widget of `spec` and return its value in the model's terms."""
    common: dict[str, Any] = {"key": key, "help": spec.help, "disabled": disabled}
    text_default = "" if default is None else str(default)
    if spec.kind == "text":
        return _text_value(st.text_input(spec.label, value=text_default, **common), spec.blank)
    if spec.kind == "area":
        return _text_value(st.text_area(spec.label, value=text_default, **common), spec.blank)
    if spec.kind == "int":
        return st.number_input(spec.label, value=default, step=1, **common)
    if spec.kind == "float":
        return st.number_input(spec.label, value=default, step=0.05, **common)
    if spec.kind == "flag":
        return st.checkbox(spec.label, value=bool(default), **common)
    if spec.kind == "when":
        chosen = st.datetime_input(f"{spec.label} (UTC)", value=_naive_utc(default), **common)
        return _aware(chosen)
    if spec.kind == "combo":
        return _combo_widget(spec, default, **common)
    return _choice_widget(spec, default, **common)


def generation(base: str) -> int:
    """How many times the form `base` was reset (part of its widget keys)."""
    return int(st.session_state.get(f"_gen-{base}", 0))


def reset(base: str) -> None:
    """Start the form `base` afresh on the next run (new keys, defaults reloaded)."""
    st.session_state[f"_gen-{base}"] = generation(base) + 1


def render_form(
    base: str,
    inputs: Sequence[Input],
    defaults: Mapping[str, Any],
    submit_label: str,
    disabled: Collection[str] = (),
    columns: int = 1,
) -> Rendered:
    """A st.form of `inputs`, each followed by an empty slot for its error message.

    With `columns` > 1 the short inputs share rows; text areas span the width below them.
    """
    key = f"{base}-{generation(base)}"
    values: dict[str, Any] = {}
    slots: dict[str, DeltaGenerator] = {}
    wide = [spec for spec in inputs if spec.kind == "area" and columns > 1]
    narrow = [spec for spec in inputs if spec not in wide]
    with st.form(key):
        general = st.empty()
        grid = st.columns(columns) if columns > 1 else [st.container()]
        places = [grid[i % len(grid)] for i in range(len(narrow))]
        places += [st.container() for _ in wide]
        for spec, place in zip([*narrow, *wide], places, strict=True):
            with place:
                default = defaults.get(spec.name)
                locked = spec.name in disabled
                values[spec.name] = widget(spec, default, f"{key}-{spec.name}", locked)
                slots[spec.name] = st.empty()
        submitted = st.form_submit_button(submit_label, type="primary", key=f"{key}-submit")
    return Rendered(key, values, slots, general, submitted)


# --- writes --------------------------------------------------------------------------------


def _db_message(error: SQLAlchemyError) -> str:
    orig = getattr(error, "orig", None)
    return str(orig or error).splitlines()[0]


def show_error(rendered: Rendered, error: ABMError, aliases: Mapping[str, str]) -> None:
    """Put the message beside the field it names, else above the form."""
    if isinstance(error, InvalidInputError | DuplicateError):
        slot = rendered.slots.get(aliases.get(error.field, error.field))
        if slot is not None:
            slot.error(ui.md(error.message))
            return
        rendered.general.error(ui.md(f"{_label(error.field)}: {error.message}"))
        return
    rendered.general.error(ui.md(f"{error} (it may have been deleted meanwhile)"))


def try_write(
    write: Write, rendered: Rendered, aliases: Mapping[str, str] | None = None
) -> str | None:
    """Run `write` in one transaction: its success message, or None after showing the error.

    Nothing is written when anything fails; the user's input stays in the form.
    """
    try:
        with ui.transaction() as s:
            return write(s)
    except ABMError as error:
        show_error(rendered, error, aliases or {})
    except SQLAlchemyError as error:
        rendered.general.error(ui.md(f"The database refused the change: {_db_message(error)}"))
    return None


def submit(
    rendered: Rendered,
    write: Write,
    base: str,
    aliases: Mapping[str, str] | None = None,
) -> None:
    """Write, then announce the result and start the form afresh; on error keep the input."""
    message = try_write(write, rendered, aliases)
    if message is not None:
        ui.flash(message)
        reset(base)
        st.rerun()


def _minute(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(second=0, microsecond=0)


def _same(a: Any, b: Any) -> bool:
    """Equal as the user sees them: blanks alike, floats and timestamps (to the minute) close."""
    if isinstance(a, datetime) and isinstance(b, datetime):
        return _minute(a) == _minute(b)
    if isinstance(a, float) or isinstance(b, float):
        return a is not None and b is not None and abs(float(a) - float(b)) < 1e-9
    return bool(a == b or (a in (None, "") and b in (None, "")))


def changes(values: Mapping[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose value differs from the record."""
    return {k: v for k, v in values.items() if not _same(v, record.get(k))}


def delete_section(base: str, what: str, delete: Callable[[Session], None]) -> None:
    """A delete that asks for confirmation first (a checkbox arms the button)."""
    key = f"{base}-{generation(base)}-delete"
    with st.expander(f"Delete this {what}"):
        sure = st.checkbox(
            f"Yes, delete this {what} and everything recorded under it", key=f"{key}-sure"
        )
        if st.button("Delete", key=f"{key}-go", disabled=not sure):
            try:
                with ui.transaction() as s:
                    delete(s)
            except (ABMError, SQLAlchemyError) as error:
                st.error(ui.md(f"Not deleted: {error}"))
                return
            ui.flash(f"The {what} was deleted.", "info")
            reset(base)
            st.rerun()


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
        int(r.id): f"{names.get(r.contact_id, r.contact_id)} — {_label(r.relationship_type)} — "
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
        events = [n for n in ("opened", "clicked", "replied") if getattr(t, f"{n}_at")]
        tail = f" [{', '.join(events)}]" if events else ""
        when = t.occurred_at.strftime("%Y-%m-%d %H:%M")
        choices[int(t.id)] = f"{when} · {t.direction} {t.channel} · {t.subject or ''}{tail}"
    return choices


def load_record(model: Any, record_id: int) -> dict[str, Any] | None:
    """The current values of one row, read fresh (an edit form must not start from stale data)."""
    with ui.session() as s:
        row = s.get(model, record_id)
        return None if row is None else row.model_dump()


# --- pickers -------------------------------------------------------------------------------


def picker(
    label: str, choices: Mapping[int, str], key: str, default: int | None, new: str | None
) -> int | None:
    """A selectbox of records (optionally led by a "new" entry); None means new or none."""
    options: list[Any] = ([NEW] if new else []) + list(choices)
    if not options:
        return None
    index = options.index(default) if default in options else 0
    chosen = st.selectbox(
        label,
        options,
        index=index,
        format_func=lambda v: str(new) if v == NEW else choices.get(v, str(v)),
        key=key,
    )
    return None if chosen is None or chosen == NEW else int(chosen)


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
    base = "company"
    choices = ui.read(company_choices)
    chosen = picker(
        "Company",
        choices,
        f"{base}-pick-{generation(base)}",
        ui.query_id("company"),
        "+ New company",
    )
    record = load_record(Company, chosen) if chosen else {"status": CompanyStatus.TARGET.value}
    if record is None:
        st.warning("This company no longer exists.")
        return
    rendered = render_form(
        base, COMPANY_INPUTS, record, "Save changes" if chosen else "Create company", columns=2
    )
    if rendered.submitted:
        if chosen is None:
            submit(rendered, lambda s: _create_company(s, rendered.values), base)
        else:
            diff = changes(rendered.values, record)
            if not diff:
                rendered.general.info("Nothing changed.")
            else:
                submit(rendered, lambda s: _update_company(s, chosen, diff), base)
    if chosen:
        delete_section(base, "company", lambda s: CompanyRepository(s).delete_company(chosen))


def _create_company(session: Session, values: Mapping[str, Any]) -> str:
    company = CompanyRepository(session).create_company(**values)
    assert company.id is not None
    return f"Company **{ui.md(company.name)}** created. {_account_link(company.id)}"


def _update_company(session: Session, company_id: int, diff: Mapping[str, Any]) -> str:
    company = CompanyRepository(session).update_company(company_id, **diff)
    return f"Company **{ui.md(company.name)}** saved. {_account_link(company_id)}"


def contact_section(company_id: int) -> None:
    """Create, edit or delete a contact of the account."""
    base = f"contact-{company_id}"
    choices = ui.read(contact_choices, company_id)
    chosen = picker(
        "Contact",
        choices,
        f"{base}-pick-{generation(base)}",
        ui.query_id("contact"),
        "+ New contact",
    )
    record = load_record(Contact, chosen) if chosen else {}
    if record is None:
        st.warning("This contact no longer exists.")
        return
    rendered = render_form(
        base, CONTACT_INPUTS, record, "Save changes" if chosen else "Create contact", columns=2
    )
    if rendered.submitted:
        if chosen is None:
            submit(rendered, lambda s: _create_contact(s, company_id, rendered.values), base)
        else:
            diff = changes(rendered.values, record)
            if not diff:
                rendered.general.info("Nothing changed.")
            else:
                submit(rendered, lambda s: _update_contact(s, chosen, diff), base)
    if chosen and hasattr(ContactRepository, "delete_contact"):
        delete_section(base, "contact", lambda s: ContactRepository(s).delete_contact(chosen))


def _create_contact(session: Session, company_id: int, values: Mapping[str, Any]) -> str:
    contact = ContactRepository(session).create_contact(company_id=company_id, **values)
    assert contact.id is not None
    return f"Contact **{ui.md(contact.full_name)}** created. {_contact_link(contact.id)}"


def _update_contact(session: Session, contact_id: int, diff: Mapping[str, Any]) -> str:
    contact = ContactRepository(session).update_contact(contact_id, **diff)
    return f"Contact **{ui.md(contact.full_name)}** saved. {_contact_link(contact_id)}"


def relationship_section(company_id: int) -> None:
    """Create, edit or delete a relationship between two contacts of the account."""
    base = f"relationship-{company_id}"
    contacts = ui.read(contact_choices, company_id)
    if len(contacts) < 2:
        st.info("A relationship needs two contacts: add contacts to this account first.")
        return
    choices = ui.read(relationship_choices, company_id)
    chosen = picker(
        "Relationship", choices, f"{base}-pick-{generation(base)}", None, "+ New relationship"
    )
    record = (
        load_record(Relationship, chosen)
        if chosen
        else {
            "relationship_type": RelationshipType.COLLEAGUE.value,
            "strength": Strength.MEDIUM.value,
            "confidence": 1.0,
        }
    )
    if record is None:
        st.warning("This relationship no longer exists.")
        return
    fixed = ("contact_id", "related_contact_id") if chosen else ()
    rendered = render_form(
        base,
        _relationship_inputs(contacts),
        record,
        "Save changes" if chosen else "Create relationship",
        disabled=fixed,
        columns=2,
    )
    if rendered.submitted:
        if chosen is None:
            submit(rendered, lambda s: _create_relationship(s, company_id, rendered.values), base)
        else:
            diff = {k: v for k, v in changes(rendered.values, record).items() if k not in fixed}
            if not diff:
                rendered.general.info("Nothing changed.")
            else:
                submit(rendered, lambda s: _update_relationship(s, company_id, chosen, diff), base)
    if chosen:
        delete_section(
            base, "relationship", lambda s: RelationshipRepository(s).delete_relationship(chosen)
        )


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
    base = f"conversation-{company_id}"
    contacts = ui.read(contact_choices, company_id)
    if not contacts:
        st.info("A conversation is held with a contact: add a contact to this account first.")
        return
    choices = ui.read(conversation_choices, company_id)
    chosen = picker(
        "Conversation",
        choices,
        f"{base}-pick-{generation(base)}",
        ui.query_id("conversation"),
        "+ New conversation",
    )
    record = (
        load_record(Conversation, chosen)
        if chosen
        else {
            "contact_id": ui.query_id("contact"),
            "status": ConversationStatus.ACTIVE.value,
            "qualification_tier": QualificationTier.WARM.value,
        }
    )
    if record is None:
        st.warning("This conversation no longer exists.")
        return
    fixed = ("contact_id",) if chosen else ()
    rendered = render_form(
        base,
        _conversation_inputs(contacts),
        record,
        "Save changes" if chosen else "Create conversation",
        disabled=fixed,
        columns=2,
    )
    if rendered.submitted:
        if chosen is None:
            submit(rendered, lambda s: _create_conversation(s, rendered.values), base)
        else:
            diff = {k: v for k, v in changes(rendered.values, record).items() if k not in fixed}
            if not diff:
                rendered.general.info("Nothing changed.")
            else:
                submit(rendered, lambda s: _update_conversation(s, chosen, diff), base)
    if chosen and hasattr(ConversationRepository, "delete_conversation"):
        delete_section(
            base, "conversation", lambda s: ConversationRepository(s).delete_conversation(chosen)
        )


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
    base = f"touchpoint-{conversation_id}"
    choices = ui.read(touchpoint_choices, conversation_id)
    chosen = picker(
        "Touchpoint", choices, f"{base}-pick-{generation(base)}", None, "+ New touchpoint"
    )
    record = (
        load_record(Touchpoint, chosen)
        if chosen
        else {
            "channel": Channel.EMAIL.value,
            "direction": Direction.OUTBOUND.value,
            "occurred_at": ui.now(),
        }
    )
    if record is None:
        st.warning("This touchpoint no longer exists.")
        return
    rendered = render_form(
        base, TOUCHPOINT_INPUTS, record, "Save changes" if chosen else "Log touchpoint", columns=2
    )
    if rendered.submitted:
        if chosen is None:
            submit(
                rendered, lambda s: _create_touchpoint(s, conversation_id, rendered.values), base
            )
        else:
            diff = changes(rendered.values, record)
            if not diff:
                rendered.general.info("Nothing changed.")
            else:
                submit(rendered, lambda s: _update_touchpoint(s, chosen, diff), base)
    if chosen and hasattr(TouchpointRepository, "delete_touchpoint"):
        delete_section(
            base, "touchpoint", lambda s: TouchpointRepository(s).delete_touchpoint(chosen)
        )


def _create_touchpoint(session: Session, conversation_id: int, values: Mapping[str, Any]) -> str:
    touchpoint = TouchpointRepository(session).create_touchpoint(
        conversation_id=conversation_id, **values
    )
    return f"Touchpoint logged. {_contact_link(touchpoint.contact_id or 0)}"


def _update_touchpoint(session: Session, touchpoint_id: int, diff: Mapping[str, Any]) -> str:
    touchpoint = TouchpointRepository(session).update_touchpoint(touchpoint_id, **diff)
    return f"Touchpoint saved. {_contact_link(touchpoint.contact_id or 0)}"


EMAIL_EVENTS = ("opened", "clicked", "replied")


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
        diff = changes(rendered.values, current)
        if not diff:
            rendered.general.info("Nothing changed.")
        else:
            submit(rendered, lambda s: _update_state(s, conversation_id, diff), base)


def _update_state(session: Session, conversation_id: int, diff: Mapping[str, Any]) -> str:
    ConversationRepository(session).update_conversation(conversation_id, **diff)
    return "Conversation updated."
