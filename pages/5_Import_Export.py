"""Import / Export: CSV in (presets, mapping preview, dry run, rejects, revert) and CSV out."""

from typing import Any

import pandas as pd
import streamlit as st
from sqlmodel import Session

import ui
from abm.errors import ABMError
from abm.exporting import export_text
from abm.importing import (
    ENTITIES,
    MODES,
    PRESETS,
    ImportFileError,
    ImportReport,
    import_csv,
    list_batches,
    preview_mapping,
    read_header,
    revert_import,
)
from abm.presets import native_fields

PRESET_LABELS = {
    "native": "ABM (this app's own format)",
    "hubspot": "HubSpot export",
    "salesforce": "Salesforce export",
    "enron": "Enron F500 data set",
}
MODE_LABELS = {
    "create": "Create only (existing records are left alone)",
    "upsert": "Create and update",
    "update": "Update only (no new records)",
}
IGNORE = "(ignore)"
REPORT_KEY = "import-report"

ui.page("Import / Export", icon="🔁")
st.title("Import / Export")


def choose_mapping(entity: str, preset: str, header: list[str], key: str) -> dict[str, Any]:
    """The preset's mapping shown as a table the user may correct; returns only the changes."""
    proposed = preview_mapping(entity, header, preset).columns
    table = pd.DataFrame(
        {"CSV column": [c for c, _ in proposed], "Field": [f or IGNORE for _, f in proposed]}
    )
    edited = st.data_editor(
        table,
        key=key,
        hide_index=True,
        width="stretch",
        disabled=["CSV column"],
        column_config={
            "Field": st.column_config.SelectboxColumn(
                "Field", options=[IGNORE, *native_fields(entity)], required=True
            )
        },
    )
    chosen = dict(zip(edited["CSV column"], edited["Field"], strict=True))
    return {
        column: None if chosen[column] == IGNORE else chosen[column]
        for column, field in proposed
        if chosen.get(column, IGNORE) != (field or IGNORE)
    }


def show_preview(entity: str, preset: str, header: list[str], mapping: dict[str, Any]) -> bool:
    """Warnings and missing fields of the mapping; True when the file can be imported."""
    preview = preview_mapping(entity, header, preset, mapping or None)
    for warning in preview.warnings:
        st.warning(ui.md(warning))
    if preview.missing:
        st.error(ui.md("Required fields missing: " + ", ".join(preview.missing)))
    return preview.ok


def run_import(upload: Any, options: dict[str, Any], dry_run: bool) -> None:
    """Run the import (or dry run) with a progress bar; keep the report for later reruns."""
    bar = st.progress(0.0, text="Reading the file...")

    def progress(fraction: float, text: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=text)

    upload.seek(0)
    try:
        with ui.session() as session:
            report = import_csv(
                session,
                source=upload,
                filename=upload.name,
                dry_run=dry_run,
                progress=progress,
                **options,
            )
    except ABMError as error:  # a bad file (ImportFileError) or a refused write
        bar.empty()
        st.error(ui.md(f"Not imported: {error}"))
        return
    if report.committed:
        ui.clear_caches()
    bar.progress(1.0, text="Done")
    st.session_state[REPORT_KEY] = (upload.file_id, report)


def show_report(report: ImportReport) -> None:
    """Headline, counts, warnings, row-by-row outcomes and the rejects file."""
    headline = ui.md(report.summary())
    if report.dry_run:
        (st.info if report.ok else st.warning)(f"Dry run, nothing written. {headline}")
    elif report.committed:
        st.success(headline)
    else:
        st.error(headline)
    counts = ("created", "updated", "unchanged", "merged", "rejected")
    for column, name in zip(st.columns(len(counts)), counts, strict=True):
        column.metric(name.capitalize(), getattr(report, name))
    for warning in report.warnings:
        st.warning(ui.md(warning))
    if report.outcomes:
        rows = pd.DataFrame(
            [(o.line, o.action, o.key, o.reason) for o in report.outcomes],
            columns=["Line", "Action", "Key", "Reason"],
        )
        st.dataframe(rows, hide_index=True, width="stretch")
        if report.outcomes_truncated:
            st.caption("Only the first rows are listed; the counts above cover the whole file.")
    if report.rejects_csv:
        stem = (report.filename or report.entity).removesuffix(".csv")
        st.download_button(
            "Download the rejected rows",
            report.rejects_csv,
            file_name=f"{stem}.rejects.csv",
            mime="text/csv",
            on_click="ignore",
            key="import-rejects",
        )


def import_tab() -> None:
    left, middle, right = st.columns(3)
    entity = left.selectbox("Records", ENTITIES, key="import-entity")
    preset = middle.selectbox(
        "Format", PRESETS, format_func=lambda p: PRESET_LABELS.get(p, p), key="import-preset"
    )
    mode = right.radio("Mode", MODES, format_func=MODE_LABELS.__getitem__, key="import-mode")
    upload = st.file_uploader("CSV file", type=["csv", "txt"], key="import-file")
    if upload is None:
        st.info("Upload a CSV file: the column mapping and a dry run come next.")
        st.session_state.pop(REPORT_KEY, None)
        return
    try:
        header = read_header(upload)
    except ImportFileError as error:
        st.error(ui.md(f"This file cannot be read: {error}"))
        return
    st.subheader("Column mapping")
    mapping = choose_mapping(entity, preset, header, f"mapping-{entity}-{preset}-{upload.file_id}")
    ready = show_preview(entity, preset, header, mapping)
    skip = st.checkbox(
        "Skip bad rows (import the rest and list the rejected rows in a file)",
        key="import-skip",
    )
    options = {
        "entity": entity,
        "preset": preset,
        "mode": mode,
        "skip_bad_rows": skip,
        "mapping": mapping or None,
    }
    dry, real = st.columns(2)
    if dry.button("Dry run", key="import-dry", disabled=not ready):
        run_import(upload, options, dry_run=True)
    if real.button("Import", key="import-run", type="primary", disabled=not ready):
        run_import(upload, options, dry_run=False)
    file_id, report = st.session_state.get(REPORT_KEY, (None, None))
    if report is not None and file_id == upload.file_id:  # the report of this very file
        show_report(report)


def export_data(entity: str) -> Any:
    """Built only when the button is clicked (an export may be large)."""
    engine = ui.engine()

    def build() -> str:
        with Session(engine) as session:
            return export_text(session, entity)

    return build


def export_tab() -> None:
    st.write("Every record in this app's own format; importing an export gives the data back.")
    for column, entity in zip(st.columns(len(ENTITIES)), ENTITIES, strict=True):
        column.download_button(
            entity.capitalize(),
            export_data(entity),
            file_name=f"{entity}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=f"export-{entity}",
        )


def history_tab() -> None:
    with ui.session() as session:
        batches = [b.model_dump() for b in list_batches(session)]
    if not batches:
        st.info("No import yet.")
        return
    columns = [
        "id",
        "entity",
        "filename",
        "preset",
        "mode",
        "status",
        "created_count",
        "updated_count",
        "rejected_count",
        "created_at",
        "reverted_at",
    ]
    st.dataframe(pd.DataFrame(batches)[columns], hide_index=True, width="stretch")
    sure = st.checkbox(
        "Yes, revert the last import: delete what it created and restore what it updated",
        key="revert-sure",
    )
    if st.button("Revert the last import", key="revert-go", disabled=not sure):
        try:
            with ui.session() as session:
                reverted = revert_import(session)
        except ABMError as error:
            st.error(ui.md(f"Not reverted: {error}"))
            return
        ui.clear_caches()
        st.session_state.pop(REPORT_KEY, None)
        ui.flash(
            f"Import {reverted.batch_id} ({reverted.entity}) reverted: {reverted.deleted} rows "
            f"deleted, {reverted.restored} restored."
        )
        st.rerun()


importing, exporting, history = st.tabs(["Import", "Export", "Imports and revert"])
with importing:
    import_tab()
with exporting:
    export_tab()
with history:
    history_tab()
