"""Charts and the relationship map, from plain data: offline HTML, escaping, figures."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import pytest

from abm import charts
from abm.charts import MapOptions, MapPerson, MapTie, TimelineTouch

XSS = "<img src=x onerror=alert(1)>"
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)


def people(n: int) -> list[MapPerson]:
    roles = list(charts.ROLE_COLORS)
    return [MapPerson(i, f"Person {i}", role=roles[i % len(roles)]) for i in range(1, n + 1)]


def chain(n: int) -> list[MapTie]:
    return [MapTie(i, i + 1, strength="strong") for i in range(1, n)]


def map_data(html_text: str) -> dict:
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html_text)
    assert found
    return json.loads(found.group(1))


def test_the_map_links_nothing_outside_the_page() -> None:
    page = charts.relationship_map_html(people(30), chain(30))
    assert not EXTERNAL.search(page)
    assert "<link" not in page
    assert "cdn" not in page.lower()
    assert "vis.Network" in page and "new vis.DataSet" in page


def test_every_script_of_the_map_is_inline() -> None:
    page = charts.relationship_map_html(people(3), chain(3))
    tags = re.findall(r"<script[^>]*>", page)
    assert tags and all("src" not in tag for tag in tags)


def test_a_hostile_name_title_and_note_stay_text() -> None:
    hostile = MapPerson(1, XSS, title=f"</script>{XSS}", role=XSS)
    page = charts.relationship_map_html(
        [hostile, MapPerson(2, "Bob")], [MapTie(1, 2, notes=f"<script>alert(2)</script>{XSS}")]
    )
    assert "<img" not in page
    assert "alert(2)</script>" not in page
    data = map_data(page)
    node = data["nodes"][0]
    # The string itself survives, as text: vis-network shows string titles with innerText.
    assert XSS in node["title"] and node["label"].startswith("<img")
    assert XSS in data["edges"][0]["title"]


def test_the_legend_escapes_what_it_shows() -> None:
    assert "<img" not in charts.relationship_map_html([MapPerson(1, "A", role=XSS)], [])
    page = charts.relationship_map_html([MapPerson(1, "A", role="champion")], [])
    assert "champion" in page and "expansion target" in page


def test_physics_is_off_and_every_person_has_a_position() -> None:
    data = map_data(charts.relationship_map_html(people(40), chain(40)))
    assert data["options"]["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in data["nodes"])
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == 40


def test_the_layout_is_the_same_for_the_same_data() -> None:
    assert charts.layout(people(20), chain(20)) == charts.layout(people(20), chain(20))


def test_a_500_person_account_gets_a_layout_for_everyone() -> None:
    crowd = people(500)
    ties = chain(500) + [
        MapTie(i, (i * 7) % 500 + 1) for i in range(1, 500) if (i * 7) % 500 + 1 != i
    ]
    positions = charts.layout(crowd, ties)
    assert len(positions) == 500
    xs = [x for x, _ in positions.values()]
    assert max(xs) - min(xs) > 500  # spread in pixels, not squeezed into a unit square


def test_targets_and_the_intro_path_are_highlighted() -> None:
    options = MapOptions(targets=frozenset({3}), path=(1, 2, 3))
    data = map_data(charts.relationship_map_html(people(4), chain(4), options))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes[3]["shape"] == "star"
    assert nodes[1]["color"]["border"] == charts.PATH_COLOR
    assert nodes[4]["borderWidth"] == 1
    edges = {(e["from"], e["to"]): e for e in data["edges"]}
    assert edges[(1, 2)]["color"]["color"] == charts.PATH_COLOR
    assert edges[(3, 4)]["color"]["color"] == charts.EDGE_COLOR


def test_people_are_sized_by_influence_and_ties_by_strength() -> None:
    star = [MapTie(1, i, strength="strong" if i == 2 else "weak") for i in range(2, 6)]
    data = map_data(charts.relationship_map_html(people(5), star))
    sizes = {n["id"]: n["size"] for n in data["nodes"]}
    assert sizes[1] == max(sizes.values()) and sizes[1] > sizes[3]
    widths = {e["to"]: e["width"] for e in data["edges"]}
    assert widths[2] > widths[3]


def test_colour_by_engagement_ramps_from_grey_to_green() -> None:
    cold = charts.person_color(MapPerson(1, "a", engagement=0), "engagement")
    hot = charts.person_color(MapPerson(1, "a", engagement=100), "engagement")
    assert (cold, hot) == ("#e4e7eb", "#2e9e5b")
    assert charts.person_color(MapPerson(1, "a", role="Champion"), "role") == "#2e9e5b"


def test_an_empty_account_gets_a_message_not_a_broken_map() -> None:
    page = charts.relationship_map_html([], [])
    assert "No contacts" in page and "vis.Network" not in page


def test_the_gauge_shows_the_total_over_five_coloured_bands() -> None:
    figure = charts.health_gauge(72.4, "good")
    indicator = figure.data[0]
    assert isinstance(indicator, go.Indicator)
    assert indicator.value == pytest.approx(72.4)
    assert [tuple(s.range) for s in indicator.gauge.steps] == [
        (0, 20),
        (20, 40),
        (40, 60),
        (60, 80),
        (80, 100),
    ]
    assert "good" in indicator.title.text


def test_the_breakdown_has_a_bar_per_component_with_escaped_reasons() -> None:
    figure = charts.component_breakdown(
        {"engagement": 40, "coverage": 90},
        {"engagement": 0.6, "coverage": 0.4},
        {"engagement": [f"most engaged: {XSS}"]},
    )
    bar = figure.data[0]
    assert list(bar.x) == [40, 90]
    assert "<img" not in bar.hovertext[0] and "&lt;img" in bar.hovertext[0]
    assert bar.marker.color[1] == charts.band_color(90)


def test_the_timeline_marks_what_each_touch_led_to() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    touches = [
        TimelineTouch(now, "Ann", "email", subject=XSS, opened=True, clicked=True, replied=True),
        TimelineTouch(now - timedelta(days=3), "Ann", "email", opened=True),
        TimelineTouch(now - timedelta(days=5), XSS, "email"),
        TimelineTouch(now - timedelta(days=9), "Bob", "call", direction="inbound"),
    ]
    figure = charts.touchpoint_timeline(touches)
    names = [trace.name for trace in figure.data]
    assert names == ["replied", "inbound", "opened", "sent"]
    hover = " ".join(h for trace in figure.data for h in trace.hovertext)
    assert "<img" not in hover and "&lt;img src=x" in hover
    assert figure.layout.xaxis.rangeselector.buttons and figure.layout.xaxis.rangeslider.visible
    assert "&lt;img src=x onerror=alert(1)&gt;" in figure.layout.yaxis.categoryarray


def test_the_timeline_can_put_channels_down_the_side() -> None:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    figure = charts.touchpoint_timeline(
        [TimelineTouch(now, "Ann", "email"), TimelineTouch(now, "Ann", "call")], by="channel"
    )
    assert set(figure.layout.yaxis.categoryarray) == {"email", "call"}
