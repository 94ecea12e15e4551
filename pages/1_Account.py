"""Account: health and why, coverage, relationship map, expansion targets, timeline, talks."""

import pandas as pd
import streamlit as st

import ui
from abm import charts, queries
from abm.errors import ABMError
from abm.repositories import ConversationRepository

ui.page("Account", "🏢")

picked = ui.pick_from_url(
    "company", "Account", ui.read(queries.company_choices), "No accounts yet.",
    "Choose an account",
)
company = ui.read(queries.company, picked)
if company is None:
    st.error(f"No account #{picked}.")
    st.stop()

as_of = ui.now()
st.title(ui.md(company["name"]))
facts = [
    company.get("domain"),
    company.get("industry"),
    f"tier {company['tier']}" if company.get("tier") else None,
    company.get("status"),
    f"owner {company['owner']}" if company.get("owner") else None,
    f"{company['contact_count']} contacts",
    f"{company['active_conversation_count']} active conversation"
    + ("" if company["active_conversation_count"] == 1 else "s"),
]
st.caption(" · ".join(ui.md(f) for f in facts if f))

# --- health -------------------------------------------------------------------------------
health = ui.read(queries.account_health, picked, as_of)
gauge, breakdown = st.columns([2, 3])
gauge.plotly_chart(charts.health_gauge(health.total, health.status), width="stretch")
breakdown.plotly_chart(
    charts.component_breakdown(health.components, health.weights, health.reasons),
    width="stretch",
)
advice, checklist = st.columns(2)
with advice:
    st.subheader("Recommendations")
    if health.recommendations:
        st.markdown("\n".join(f"1. {ui.md(text)}" for text in health.recommendations))
    else:
        st.success("Excellent health: keep every thread warm.")
with checklist:
    st.subheader("Coverage checklist")
    for item in health.checklist:
        mark = ":material/warning:" if item.flagged else ":material/check_circle:"
        st.markdown(f"{mark} {ui.md(item.detail)}")

# --- relationship map and expansion targets ----------------------------------------------
network = ui.read(queries.account_network, picked, as_of)
st.subheader("Relationship map")
controls = st.columns([1, 2])
color_by = controls[0].radio(
    "Colour people by", ["role", "engagement"], horizontal=True, key="map_color"
)
targets = {t.contact_id: t for t in network.targets}
focus = controls[1].selectbox(
    "Highlight the intro path to",
    [t.contact_id for t in network.targets if t.intro_path],
    format_func=lambda cid: targets[cid].name,
    index=None,
    placeholder="an expansion target",
)
options = charts.MapOptions(
    color_by=color_by,
    targets=frozenset(targets),
    path=tuple(targets[focus].intro_path) if focus else (),
    link_template="Contact?contact={id}",
)
map_html = ui.compute(charts.relationship_map_html, network.people, network.ties, options)
st.iframe(map_html, height=options.height_px + 20, alt="Relationship map of the account")
st.caption("Hover a person or a tie for details; double-click a person to open them.")

st.subheader("Expansion targets")
if not network.targets:
    st.info("Everyone at this account is already in a conversation, or nobody is known yet.")
for target in network.targets:
    # Widget labels read markdown too: the names in them are escaped like everywhere else.
    title = ui.md(target.title or "no title")
    label = f"{ui.md(target.name)} · {title} · priority {target.priority_score:.0f}"
    with st.expander(label):
        st.markdown("\n".join(f"- {ui.md(reason)}" for reason in target.reasons))
        if target.intro_names:
            st.markdown("**Intro path:** " + " → ".join(ui.md(n) for n in target.intro_names))
        else:
            st.markdown("**Intro path:** none known; reach out directly.")
        left, right = st.columns(2)
        with left:
            ui.link_to_contact(target.contact_id, "Open contact", icon=":material/person:")
        if right.button("Start a conversation", key=f"start_{target.contact_id}"):
            via = " via " + target.intro_names[0] if target.intro_names else ""
            try:
                with ui.transaction() as session:
                    ConversationRepository(session).create_conversation(
                        contact_id=target.contact_id,
                        subject=f"Intro to {target.name}{via}",
                        qualification_tier="cool",
                        next_followup_at=as_of,
                        context={"intro_path": target.intro_path, "reasons": target.reasons},
                    )
            except ABMError as error:
                st.error(ui.md(str(error)))
            else:
                ui.flash(f"Conversation started with {ui.md(target.name)}.")
                st.rerun()

# --- timeline -----------------------------------------------------------------------------
st.subheader("Touchpoint timeline")
entries = ui.read(queries.timeline, picked, None, as_of)
if not entries:
    st.info("No touchpoints yet.")
else:
    lanes = st.radio("Rows", ["person", "channel"], horizontal=True, key="timeline_by")
    figure = charts.touchpoint_timeline([e.touch() for e in entries], by=lanes)
    st.plotly_chart(figure, width="stretch")

# --- conversations ------------------------------------------------------------------------
st.subheader("Conversations")
rows = ui.read(queries.conversations, picked)
if not rows:
    st.info("No conversations yet: start one from the expansion targets.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "Subject": [r.subject for r in rows],
                "Contact": [ui.contact_url(r.contact_id) for r in rows],
                "Person": [r.contact_name for r in rows],
                "Status": [r.status for r in rows],
                "Tier": [r.qualification_tier for r in rows],
                "Next follow-up": [r.next_followup_at for r in rows],
                "Touches": [r.touchpoint_count for r in rows],
                "Last touch": [r.last_touchpoint_at for r in rows],
            }
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "Contact": st.column_config.LinkColumn("Contact", display_text="open"),
            "Next follow-up": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Last touch": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
