"""Contact: the context for a personal message: who, colleagues, conversations, engagement."""

import pandas as pd
import streamlit as st

import ui
from abm import charts, queries

ui.page("Contact", "👤")

choices = ui.read(queries.contact_choices, ui.query_id("company"))
picked = ui.pick_from_url("contact", "Contact", choices, "No contacts yet.", "Choose a person")
view = ui.read(queries.contact_view, picked, ui.now())
if view is None:
    st.error(f"No contact #{picked}.")
    st.stop()

person, company = view.contact, view.company
name = f"{person['first_name']} {person['last_name']}".strip() or person.get("email") or ""
st.title(ui.md(name))
st.caption(" · ".join(ui.md(x) for x in (person.get("title"), company["name"]) if x))
ui.link_to_company(company["id"], f"Open {company['name']}", icon=":material/domain:")

# --- who they are and how they engage ------------------------------------------------------
who, engagement = st.columns(2)
with who:
    st.subheader("Who they are")
    facts = {
        "Buying role": person.get("role"),
        "Seniority": person.get("seniority"),
        "Department": person.get("department"),
        "Decision maker": "yes" if person.get("is_decision_maker") else "no",
        "Email": person.get("email"),
        "Phone": person.get("phone"),
        "Location": person.get("location"),
        "Time zone": person.get("timezone"),
        "Preferred channel": person.get("preferred_channel"),
        "Interests": ", ".join(person.get("interests") or []),
        "Notes": person.get("notes"),
    }
    st.markdown("\n".join(f"- **{k}:** {ui.md(v)}" for k, v in facts.items() if v))
    if person.get("opted_out"):
        st.warning("Opted out: do not contact.")
with engagement:
    st.subheader("Engagement")
    metrics = view.engagement
    top = st.columns(2)
    top[0].metric("Engagement score", f"{float(person.get('engagement_score') or 0):.0f} / 100")
    top[1].metric("Emails sent", int(metrics["sent"]))
    rates = st.columns(3)
    rates[0].metric("Open rate", f"{metrics['open_rate']:.0%}")
    rates[1].metric("Click rate", f"{metrics['click_rate']:.0%}")
    rates[2].metric("Reply rate", f"{metrics['reply_rate']:.0%}")
    last = person.get("last_engaged_at")
    st.caption(f"Last engaged: {last:%Y-%m-%d}" if last else "Never engaged yet.")

# --- conversations ------------------------------------------------------------------------
st.subheader("Conversations")
active = set(view.active_conversation_ids)
if not view.conversations:
    st.info("No conversation with this person yet.")
for conv in view.conversations:
    due = f" · next follow-up {conv.next_followup_at:%Y-%m-%d}" if conv.next_followup_at else ""
    marker = ":material/chat:" if conv.id in active else ":material/chat_bubble_outline:"
    st.markdown(
        f"{marker} **{ui.md(conv.subject or '(no subject)')}** · {conv.status} · "
        f"{conv.qualification_tier} · {conv.touchpoint_count} touches{due}"
    )

# --- colleagues ---------------------------------------------------------------------------
st.subheader("Colleagues")
if not view.colleagues:
    st.info("Nobody else is known at this account.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Name": [c.name for c in view.colleagues],
                "Open": [ui.contact_url(c.contact_id) for c in view.colleagues],
                "Title": [c.title for c in view.colleagues],
                "Role": [c.role for c in view.colleagues],
                "Relationship": [c.relationship for c in view.colleagues],
                "Strength": [c.strength for c in view.colleagues],
                "Engagement": [c.engagement for c in view.colleagues],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Open": st.column_config.LinkColumn("Open", display_text="open"),
            "Engagement": st.column_config.ProgressColumn(
                "Engagement", min_value=0, max_value=100, format="%.0f"
            ),
        },
    )

# --- recent history -----------------------------------------------------------------------
st.subheader("Recent history")
if not view.recent:
    st.info("No touchpoints yet.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "When": [e.occurred_at for e in view.recent],
                "Channel": [e.channel for e in view.recent],
                "Direction": [e.direction for e in view.recent],
                "Subject": [e.subject for e in view.recent],
                "Outcome": [charts.touch_state(e.touch()) for e in view.recent],
                "Conversation": [e.conversation for e in view.recent],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={"When": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
    )
