"""Portfolio (home page): every account with its health, follow-ups due, search and filters."""

from pathlib import Path

import pandas as pd
import streamlit as st

import ui
from abm import demo, queries

ui.page("Portfolio", "📊")
st.title("Portfolio")

if ui.read(demo.is_empty):
    st.info("The database is empty. Load the demo portfolio to look around, or add your own data.")
    if st.button("Load demo data", type="primary", icon=":material/rocket_launch:"):
        with st.spinner("Loading the demo portfolio..."), ui.transaction() as session:
            summary = demo.load_demo(session)
        ui.flash(
            f"Demo data loaded: {summary['companies']} accounts, {summary['contacts']} people, "
            f"{summary['touchpoints']} touchpoints."
        )
        st.rerun()
    if (Path(__file__).parent / ui.PAGES["data_entry"]).exists():
        st.page_link(ui.PAGES["data_entry"], label="Add data by hand", icon=":material/edit:")
    st.stop()

as_of = ui.now()
rows = ui.read(queries.portfolio, as_of)
due = ui.read(queries.followups, as_of)

# --- headline figures ---------------------------------------------------------------------
bands = queries.band_counts(rows)
figures = st.columns(7)
figures[0].metric("Accounts", len(rows))
for column, (band, count) in zip(figures[1:6], bands.items(), strict=True):
    column.metric(band.replace("_", " ").capitalize(), count)
figures[6].metric(
    "Follow-ups due",
    len(due["Overdue"]) + len(due["Today"]),
    help=f"{len(due['Overdue'])} overdue, {len(due['Today'])} due today",
)

# --- search, filters, sorting -------------------------------------------------------------
search = st.text_input("Search accounts", placeholder="Name, fuzzy: 'nortwind' finds Northwind")
filters = st.columns(5)
tiers = filters[0].multiselect("Tier", sorted({r.tier for r in rows if r.tier is not None}))
statuses = filters[1].multiselect("Status", sorted({r.status for r in rows}))
industries = filters[2].multiselect("Industry", sorted({r.industry for r in rows if r.industry}))
health_bands = filters[3].multiselect("Health", list(queries.HEALTH_BANDS))
sort = filters[4].selectbox("Sort by", list(queries.PORTFOLIO_SORTS), disabled=bool(search))

ids = ui.read(queries.search_company_ids, search.strip()) if search.strip() else None
shown = queries.filter_portfolio(
    rows, ids=ids, tiers=tiers, statuses=statuses, industries=industries, bands=health_bands
)
if ids is None:
    shown = queries.sort_portfolio(shown, sort)

st.caption(f"{len(shown)} of {len(rows)} accounts" + (" · best match first" if ids else ""))
table = pd.DataFrame(
    {
        "Account": [r.name for r in shown],
        "Open": [ui.company_url(r.company_id) for r in shown],
        "Health": [r.health for r in shown],
        "Band": [r.health_status.replace("_", " ") for r in shown],
        "Tier": [r.tier for r in shown],
        "Status": [r.status for r in shown],
        "Owner": [r.owner for r in shown],
        "Industry": [r.industry for r in shown],
        "Contacts": [r.contacts for r in shown],
        "Active conversations": [r.active_conversations for r in shown],
        "Follow-ups due": [r.followups_due for r in shown],
        "Last touch": [r.last_touch_at for r in shown],
    }
)
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "Open": st.column_config.LinkColumn("Open", display_text="Open account"),
        "Health": st.column_config.ProgressColumn(
            "Health", min_value=0, max_value=100, format="%.0f"
        ),
        "Tier": st.column_config.NumberColumn("Tier", format="%d"),
        "Last touch": st.column_config.DatetimeColumn("Last touch", format="YYYY-MM-DD HH:mm"),
    },
)

# --- follow-ups due -----------------------------------------------------------------------
st.subheader("Follow-ups due")
urgent = due["Overdue"] + due["Today"]
if not urgent:
    st.success("Nothing overdue or due today.")
else:
    st.dataframe(
        pd.DataFrame(
            {
                "When": [f.group for f in urgent],
                "Due": [f.next_followup_at for f in urgent],
                "Account": [ui.company_url(f.company_id) for f in urgent],
                "Name": [f.company_name for f in urgent],
                "Contact": [ui.contact_url(f.contact_id) for f in urgent],
                "Person": [f.contact_name for f in urgent],
                "Subject": [f.subject for f in urgent],
                "Tier": [f.qualification_tier for f in urgent],
            }
        ).head(15),
        hide_index=True,
        width="stretch",
        column_config={
            "Due": st.column_config.DatetimeColumn("Due", format="YYYY-MM-DD HH:mm"),
            "Account": st.column_config.LinkColumn("Account", display_text="open"),
            "Contact": st.column_config.LinkColumn("Contact", display_text="open"),
        },
    )
    st.page_link(ui.PAGES["followups"], label="All follow-ups", icon=":material/event:")
