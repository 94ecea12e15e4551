"""The dashboard in a real headless Chromium: portfolio -> account, charts and map, no egress."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from abm import queries
from abm.demo import load_demo

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# The README's pictures are refreshed on demand (ABM_UPDATE_SCREENSHOTS=1); otherwise the
# screenshots go to a temporary folder, so a test run leaves the work tree as it was.
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about"}
# Streamlit boots slowly on two busy cores; a wait this long only costs time when it fails.
BOOT_SECONDS = 180
WAIT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS


def _wait_healthy(base_url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"streamlit did not answer within {BOOT_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def demo_database(databases: Any) -> str:
    url: str = databases.create()
    engine = create_engine(url)
    with Session(engine) as session:
        load_demo(session)
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def middling_account(demo_database: str) -> int:
    """The demo account whose health is nearest 60, among those with a timeline."""
    engine = create_engine(demo_database)
    with Session(engine) as session:
        rows = [r for r in queries.portfolio(session) if r.last_touch_at is not None]
    engine.dispose()
    return min(rows, key=lambda r: abs(r.health - 60)).company_id


@pytest.fixture(scope="module")
def app_url(demo_database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`streamlit run app.py` on a free port, against the demo database."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {
        **os.environ,
        "DATABASE_URL": demo_database,
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base_url, server, log)
        yield base_url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/install_chromium.sh")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        chromium.close()


def _wait_until_idle(page: Any) -> None:
    """Wait for Streamlit to finish running the script (its status widget goes away)."""
    page.wait_for_selector('[data-testid="stAppViewContainer"]', timeout=WAIT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=WAIT_MS
    )
    page.wait_for_timeout(1000)  # let charts finish their first paint


def test_portfolio_to_account_renders_the_charts_and_the_map_with_no_request_leaving(
    app_url: str, browser: Any, middling_account: int, tmp_path: Path
) -> None:
    refresh = os.environ.get("ABM_UPDATE_SCREENSHOTS") == "1"
    shots = README_SCREENSHOTS if refresh else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    requests: list[str] = []

    def watch(page_: Any) -> None:
        """Record what a page asks for, its frames' requests and web sockets included."""
        page_.on("request", lambda request: requests.append(request.url))
        page_.on("websocket", lambda socket_: requests.append(socket_.url))

    context.on("page", watch)
    context.on("request", lambda request: requests.append(request.url))
    # Refuse the non-local requests too, so that a leak is recorded but reaches no one.
    context.route(
        "**/*", lambda route: route.continue_() if _is_local(route.request.url) else route.abort()
    )
    page = context.new_page()
    try:
        page.goto(app_url, wait_until="domcontentloaded", timeout=WAIT_MS)
        page.wait_for_selector('[data-testid="stDataFrame"]', timeout=WAIT_MS)
        _wait_until_idle(page)
        # The healthiest account first: a busy account, with a timeline to look at.
        page.locator('[data-testid="stSelectbox"]').filter(has_text="Sort by").click()
        page.get_by_role("option", name="Health, strongest first").click()
        page.wait_for_timeout(500)  # the rerun starts a moment after the click
        _wait_until_idle(page)
        page.mouse.move(0, 0)  # no hover toolbar in the picture
        page.screenshot(path=str(shots / "portfolio.png"))

        account = _follow_first_account_link(context, page)
        account.wait_for_url("**/Account?company=*", timeout=WAIT_MS)
        _assert_account_renders(account)
        # The pictures show a middling account: one with recommendations to read.
        account.goto(f"{app_url}/Account?company={middling_account}", timeout=WAIT_MS)
        _assert_account_renders(account)
        account.mouse.move(0, 0)
        account.screenshot(path=str(shots / "account.png"))
        account.locator('[data-testid="stIFrame"]').first.screenshot(
            path=str(shots / "map.png")
        )
        for path in ("Data_entry", "Import_Export"):  # the other pages must stay local too
            page.goto(f"{app_url}/{path}", wait_until="domcontentloaded", timeout=WAIT_MS)
            page.wait_for_selector("h1", timeout=WAIT_MS)
            _wait_until_idle(page)
            assert page.locator('[data-testid="stException"]').count() == 0, path
    finally:
        context.close()

    assert requests, "the browser made no request at all: nothing was tested"
    for name in ("portfolio.png", "account.png", "map.png"):
        assert (shots / name).stat().st_size > 10_000, name
    leaks = sorted({url for url in requests if not _is_local(url)})
    assert leaks == []


def _follow_first_account_link(context: Any, page: Any) -> Any:
    """Click the first "Open account" link of the portfolio table; the account opens in a tab.

    The table is a canvas (glide-data-grid): the link is found where the pointer turns into a
    hand along the first row, as a user would find it.
    """
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    assert box is not None
    y = box["y"] + 35 + 17  # the middle of the first row, under the 35 px header
    for x in range(int(box["x"]) + 5, int(box["x"] + box["width"]), 8):
        page.mouse.move(x, y)
        page.wait_for_timeout(40)  # the grid updates the cursor on its next frame
        cursor = page.evaluate(
            "([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor", [x, y]
        )
        if cursor == "pointer":
            with context.expect_page(timeout=WAIT_MS) as opened:
                page.mouse.click(x, y)
            return opened.value
    pytest.fail("no link to an account in the first row of the portfolio")


def _assert_account_renders(page: Any) -> None:
    # The health gauge: a plotly indicator.
    page.wait_for_selector(
        '[data-testid="stPlotlyChart"] .indicatorlayer', state="attached", timeout=WAIT_MS
    )
    # The timeline: a plotly chart with data points.
    page.wait_for_selector(
        '[data-testid="stPlotlyChart"] .scatterlayer .point', state="attached", timeout=WAIT_MS
    )
    # The relationship map: vis-network draws on a canvas inside the iframe.
    page.wait_for_selector('[data-testid="stIFrame"]', timeout=WAIT_MS)
    canvas = page.frame_locator('[data-testid="stIFrame"]').first.locator("canvas").first
    canvas.wait_for(state="visible", timeout=WAIT_MS)
    drawn = canvas.evaluate(
        """c => {
            const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let inked = 0;
            for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) inked++; }
            return {width: c.width, height: c.height, inked};
        }"""
    )
    assert drawn["width"] > 100 and drawn["height"] > 100
    assert drawn["inked"] > 500, drawn  # nodes and edges were drawn, not a blank canvas
    _wait_until_idle(page)
