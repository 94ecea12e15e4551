"""Form machinery of the dashboard: inputs, errors beside them, one transaction per submit."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from streamlit.delta_generator import DeltaGenerator

import ui
from abm.errors import ABMError, DuplicateError, InvalidInputError

Kind = Literal["text", "area", "int", "float", "choice", "combo", "flag", "when"]
Write = Callable[[Session], str]

NEW = "new"
BLANK = "—"


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


def readable(value: Any) -> str:
    """A stored word as the user reads it (underscores become spaces)."""
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
        return BLANK if value is None else spec.labels.get(value, readable(value))

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
        format_func=lambda v: BLANK if v == "" else readable(v),
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
        rendered.general.error(ui.md(f"{readable(error.field)}: {error.message}"))
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


def submit_changes(
    rendered: Rendered,
    record: Mapping[str, Any],
    base: str,
    update: Callable[[Session, dict[str, Any]], str],
    fixed: Collection[str] = (),
) -> None:
    """Submit only the fields the user changed (never the `fixed` ones), or say none did."""
    diff = {k: v for k, v in changes(rendered.values, record).items() if k not in fixed}
    if not diff:
        rendered.general.info("Nothing changed.")
    else:
        submit(rendered, lambda s: update(s, diff), base)


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


# --- one record: pick it (or "new"), edit it, delete it -------------------------------------


@dataclass(frozen=True)
class Editor:
    """What a create / edit / delete section needs to know about one kind of record."""

    what: str  # "company": names the picker, its "new" entry, messages and the delete
    model: type[Any]
    inputs: Sequence[Input]
    create_label: str
    create: Callable[[Session, Mapping[str, Any]], str]
    update: Callable[[Session, int, Mapping[str, Any]], str]
    delete: Callable[[Session, int], None]
    fixed: tuple[str, ...] = ()  # shown but not editable once the record exists


def record_section(
    base: str,
    editor: Editor,
    choices: Mapping[int, str],
    preselect: int | None,
    defaults: Mapping[str, Any],
) -> None:
    """Pick a record or "new", then a form that creates or edits it, and its delete below."""
    what = editor.what
    key = f"{base}-pick-{generation(base)}"
    chosen = picker(what.capitalize(), choices, key, preselect, f"+ New {what}")
    record = load_record(editor.model, chosen) if chosen else dict(defaults)
    if record is None:
        st.warning(f"This {what} no longer exists.")
        return
    fixed = editor.fixed if chosen else ()
    label = "Save changes" if chosen else editor.create_label
    rendered = render_form(base, editor.inputs, record, label, disabled=fixed, columns=2)
    if rendered.submitted:
        if chosen is None:
            submit(rendered, lambda s: editor.create(s, rendered.values), base)
        else:
            update = editor.update
            submit_changes(rendered, record, base, lambda s, d: update(s, chosen, d), fixed)
    if chosen:
        delete_section(base, what, lambda s: editor.delete(s, chosen))
