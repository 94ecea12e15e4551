"""Follow-ups: active conversations due, grouped Overdue / Today / This week / Later."""

import pandas as pd
import streamlit as st

import entity_forms
import ui
from abm import queries

ui.page("Follow-ups", "📅")
st.title("Follow-ups")

as_of = ui.now()
everyone = ui.read(queries.followups, as_of)
owners = sorted({f.owner for rows in everyone.values() for f in rows if f.owner})
owner = st.selectbox("Owner", owners, index=None, placeholder="Everyone")
groups = ui.read(queries.followups, as_of, None, owner) if owner else everyone

counts = st.columns(len(queries.FOLLOWUP_GROUPS))
for column, name in zip(counts, queries.FOLLOWUP_GROUPS, strict=True):
    column.metric(name, len(groups[name]))

for name in queries.FOLLOWUP_GROUPS:
    rows = groups[name]
    st.subheader(f"{name} ({len(rows)})")
    if not rows:
        st.caption("Nothing here.")
        continue
    st.dataframe(
        pd.DataFrame(
            {
                "Due": [f.next_followup_at for f in rows],
                "Account": [f.company_name for f in rows],
                "Open account": [ui.company_url(f.company_id) for f in rows],
                "Contact": [f.contact_name for f in rows],
                "Open contact": [ui.contact_url(f.contact_id) for f in rows],
                "Subject": [f.subject for f in rows],
                "Tier": [f.qualification_tier for f in rows],
                "Owner": [f.owner for f in rows],
                "Touches": [f.touchpoint_count for f in rows],
                "Last touch": [f.last_touchpoint_at for f in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Due": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Open account": st.column_config.LinkColumn(display_text="open"),
            "Open contact": st.column_config.LinkColumn(display_text="open"),
            "Last touch": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )

# --- actions: log a touch, snooze, change status or tier -----------------------------------
due = [f for name in queries.FOLLOWUP_GROUPS for f in groups[name]]
st.subheader("Act on a follow-up")
by_id = {f.conversation_id: f for f in due}
chosen = st.selectbox(
    "Conversation",
    list(by_id),
    index=None,
    format_func=lambda cid: (
        f"{by_id[cid].group}: {by_id[cid].contact_name} · {by_id[cid].company_name}"
        f" · {by_id[cid].subject or '(no subject)'}"
    ),
    placeholder="Choose a conversation",
)
selected = by_id.get(chosen) if chosen is not None else None
if selected is not None:
    ui.link_to_contact(selected.contact_id, f"Context for {selected.contact_name}")
    entity_forms.followup_actions(selected)
