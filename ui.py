"""Shared page helpers: the cached engine, sessions, cached reads, escaping and deep links."""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st
from sqlalchemy import Engine
from sqlmodel import Session
from streamlit.errors import StreamlitAPIException

from abm.db import get_engine, init_db

P = ParamSpec("P")
T = TypeVar("T")

# Reads are cached briefly: long enough for reruns to be instant, short enough that another
# writer's changes show up soon. Writes in this process clear the caches at once.
READ_TTL_SECONDS = 30

PAGES = {
    "home": "app.py",
    "account": "pages/1_Account.py",
    "contact": "pages/2_Contact.py",
    "followups": "pages/3_Follow-ups.py",
    "data_entry": "pages/4_Data_entry.py",
    "import_export": "pages/5_Import_Export.py",
}


def _database_key() -> str:
    """What the engine depends on: DATABASE_URL when set, else the embedded server."""
    return os.environ.get("DATABASE_URL", "")


@st.cache_resource(show_spinner="Connecting to the database...")
def _engine_for(database_key: str) -> Engine:
    engine = get_engine(database_key or None)
    init_db(engine)  # once per process and database: the schema is at head from here on
    return engine


def engine() -> Engine:
    """The process's engine, migrated to head (one per database URL)."""
    return _engine_for(_database_key())


@contextmanager
def session() -> Iterator[Session]:
    """A session for reads; nothing is committed."""
    with Session(engine()) as s:
        yield s


@contextmanager
def transaction() -> Iterator[Session]:
    """A session committed when the block ends without error (rolled back otherwise).

    Cached reads are cleared after the commit so the next render shows the write.
    """
    with Session(engine()) as s:
        yield s
        s.commit()
    clear_caches()


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False)
def _cached_call(
    database_key: str, func_path: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]
) -> Any:
    module_name, _, qualname = func_path.partition(":")
    func: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        func = getattr(func, part)
    with session() as s:
        return func(s, *args, **dict(kwargs))


def read(func: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`func(session, *args, **kwargs)` cached for a few seconds; the result must pickle.

    `func` must be a module-level function (e.g. from `abm.queries`); arguments must hash.
    """
    path = f"{func.__module__}:{func.__qualname__}"
    result: T = _cached_call(_database_key(), path, args, tuple(sorted(kwargs.items())))
    return result


@st.cache_data(ttl=READ_TTL_SECONDS, show_spinner=False, max_entries=64)
def _cached_pure(func_path: str, args: tuple[Any, ...], kwargs: tuple[tuple[str, Any], ...]) -> Any:
    module_name, _, qualname = func_path.partition(":")
    func: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        func = getattr(func, part)
    return func(*args, **dict(kwargs))


def compute(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`func(*args, **kwargs)` of a pure module-level function (e.g. a chart), cached briefly."""
    path = f"{func.__module__}:{func.__qualname__}"
    result: T = _cached_pure(path, args, tuple(sorted(kwargs.items())))
    return result


def clear_caches() -> None:
    """Forget cached reads (not the engine): call after every write."""
    st.cache_data.clear()


def now() -> datetime:
    """The current time, aware and in UTC, to the minute (keeps cached reads shareable)."""
    return datetime.now(UTC).replace(second=0, microsecond=0)


# --- escaping -----------------------------------------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md(text: object) -> str:
    """User text made inert inside st.markdown: no HTML, links, emphasis, colours or LaTeX.

    >>> md("<img src=x onerror=alert(1)> *bold*")
    '\\\\<img src=x onerror=alert\\\\(1\\\\)\\\\> \\\\*bold\\\\*'
    """
    if text is None:
        return ""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


# --- deep links ---------------------------------------------------------------------------


def query_id(name: str) -> int | None:
    """An integer query parameter (`?company=42`), or None when missing or not a number."""
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None


def set_query_id(name: str, value: int | None) -> None:
    """Put (or remove) an id in the URL so the view can be bookmarked and shared."""
    if value is None:
        st.query_params.pop(name, None)
    elif st.query_params.get(name) != str(value):
        st.query_params[name] = str(value)


def pick_from_url(
    param: str, label: str, choices: Sequence[tuple[int, str]], empty: str, placeholder: str
) -> int:
    """The record a page shows: `?param=ID` preselected in a picker, kept in the URL.

    Stops the page when there is nothing to pick or nothing picked yet.
    """
    if not choices:
        st.info(empty)
        st.page_link("app.py", label="Back to the portfolio", icon=":material/arrow_back:")
        st.stop()
    names = dict(choices)
    wanted = query_id(param)
    picked = st.selectbox(
        label,
        list(names),
        index=list(names).index(wanted) if wanted in names else None,
        format_func=lambda rid: names[rid],
        placeholder=placeholder,
    )
    if picked is None:
        st.stop()
    set_query_id(param, picked)
    return int(picked)


def company_url(company_id: int) -> str:
    """Relative URL of an account page (works in LinkColumn and markdown links)."""
    return f"Account?company={int(company_id)}"


def contact_url(contact_id: int) -> str:
    """Relative URL of a contact page."""
    return f"Contact?contact={int(contact_id)}"


def _page_link(page: str, label: str, params: dict[str, str], **kwargs: Any) -> None:
    """st.page_link, or a plain markdown link when the page runs on its own (AppTest of a page)."""
    try:
        st.page_link(page, label=label, query_params=params, **kwargs)
    except StreamlitAPIException:
        target = Path(page).stem.split("_", 1)[-1]
        query = "&".join(f"{k}={v}" for k, v in params.items())
        st.markdown(f"[{md(label)}]({target}?{query})")


def link_to_company(company_id: int, label: str, **kwargs: Any) -> None:
    """A page link opening an account."""
    _page_link(PAGES["account"], label, {"company": str(int(company_id))}, **kwargs)


def link_to_contact(contact_id: int, label: str, **kwargs: Any) -> None:
    """A page link opening a contact."""
    _page_link(PAGES["contact"], label, {"contact": str(int(contact_id))}, **kwargs)


# --- messages that survive a rerun --------------------------------------------------------


def flash(message: str, kind: str = "success") -> None:
    """Show `message` on the next render (after st.rerun), once."""
    st.session_state.setdefault("_flash", []).append((kind, message))


def show_flashes() -> None:
    """Render and forget the pending flash messages."""
    for kind, message in st.session_state.pop("_flash", []):
        getattr(st, kind, st.info)(message)


def page(title: str, icon: str = "📈") -> None:
    """Common page setup: title, wide layout, pending messages.

    The page icon must be an emoji or a local image: for a ":material/...:" page icon the
    Streamlit frontend fetches an SVG from Google's font servers, and the app works offline.
    """
    st.set_page_config(page_title=f"{title} · ABM", page_icon=icon, layout="wide")
    show_flashes()
