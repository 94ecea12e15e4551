"""Plotly figures and the relationship-map HTML, drawn from plain data (no database, no I/O)."""

from __future__ import annotations

import functools
import html
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from importlib.resources import files
from typing import Any

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from abm import scoring

# Health bands as the gauge and the badges show them: (floor, status, colour).
BANDS: tuple[tuple[float, str, str], ...] = (
    (0.0, "critical", "#d64545"),
    (20.0, "at_risk", "#f08c3a"),
    (40.0, "fair", "#f2c94c"),
    (60.0, "good", "#8cc152"),
    (80.0, "excellent", "#2e9e5b"),
)
BAND_COLORS = {status: colour for _, status, colour in BANDS}
ROLE_COLORS = {
    "economic_buyer": "#7b2cbf",
    "decision_maker": "#c0392b",
    "champion": "#2e9e5b",
    "technical_buyer": "#2f80ed",
    "influencer": "#f2994a",
    "user": "#56ccf2",
    "gatekeeper": "#8d6e63",
    "blocker": "#333333",
}
OTHER_ROLE_COLOR = "#b0b7c3"
STRENGTH_WIDTHS = {"weak": 1.0, "medium": 2.5, "strong": 4.5}
TARGET_COLOR = "#ff9f1c"
PATH_COLOR = "#e63946"
EDGE_COLOR = "#9aa5b1"
# How touches are marked on the timeline, from the strongest signal down.
TOUCH_STATES: tuple[tuple[str, str, str], ...] = (
    ("replied", "#2e9e5b", "star"),
    ("inbound", "#7b2cbf", "diamond"),
    ("clicked", "#2f80ed", "circle"),
    ("opened", "#56ccf2", "circle"),
    ("sent", "#b0b7c3", "circle-open"),
)
CHANNEL_SYMBOLS = {"call": "triangle-up", "meeting": "square", "linkedin": "hexagon", "sms": "x"}


# --- health -------------------------------------------------------------------------------


def band_color(total: float) -> str:
    """The colour of the band a health total falls in.

    >>> band_color(85), band_color(10)
    ('#2e9e5b', '#d64545')
    """
    return BAND_COLORS[scoring.status_for(total)]


def health_gauge(
    total: float, status: str | None = None, title: str = "Account health"
) -> go.Figure:
    """A 0-100 gauge with the five health bands coloured behind the needle bar."""
    status = status or scoring.status_for(total)
    steps = [
        {"range": [floor, ceiling], "color": colour}
        for (floor, _, colour), ceiling in zip(
            BANDS, [b[0] for b in BANDS[1:]] + [100.0], strict=True
        )
    ]
    figure = go.Figure(
        go.Indicator(
            mode="gauge+number",
            value=round(total, 1),
            number={"suffix": " / 100", "valueformat": ".0f"},
            title={
                "text": f"{html.escape(title)}<br><span style='font-size:0.8em'>"
                f"{html.escape(status.replace('_', ' '))}</span>"
            },
            gauge={
                "axis": {"range": [0, 100], "tickvals": [0, 20, 40, 60, 80, 100]},
                "bar": {"color": "#1f2933", "thickness": 0.25},
                "steps": steps,
                "threshold": {"line": {"color": "#1f2933", "width": 3}, "value": total},
            },
        )
    )
    figure.update_layout(height=260, margin={"l": 30, "r": 30, "t": 60, "b": 10})
    return figure


def component_breakdown(
    components: Mapping[str, float],
    weights: Mapping[str, float],
    reasons: Mapping[str, Sequence[str]] | None = None,
) -> go.Figure:
    """One bar per component (0-100), labelled with its weight and share of the total."""
    names = sorted(components, key=lambda name: -weights.get(name, 0.0))
    scores = [float(components[n]) for n in names]
    labels = [f"{n.replace('_', ' ')} ({weights.get(n, 0.0):.0%})" for n in names]
    hover = [
        "<br>".join(html.escape(r) for r in (reasons or {}).get(n, [])) or html.escape(n)
        for n in names
    ]
    texts = [
        f"{s:.0f} → {s * weights.get(n, 0.0):.1f} pts" for n, s in zip(names, scores, strict=True)
    ]
    figure = go.Figure(
        go.Bar(
            x=scores,
            y=labels,
            orientation="h",
            marker={"color": [band_color(s) for s in scores]},
            text=texts,
            textposition="auto",
            hovertext=hover,
            hoverinfo="text",
        )
    )
    figure.update_layout(
        height=60 + 38 * max(1, len(names)),
        margin={"l": 10, "r": 10, "t": 10, "b": 30},
        xaxis={"range": [0, 100], "title": "score (0-100)"},
        yaxis={"autorange": "reversed"},
    )
    return figure


# --- timeline -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineTouch:
    """One touchpoint on the timeline."""

    occurred_at: datetime
    person: str
    channel: str
    direction: str = "outbound"
    subject: str | None = None
    opened: bool = False
    clicked: bool = False
    replied: bool = False
    conversation: str | None = None


def touch_state(touch: TimelineTouch) -> str:
    """The strongest thing that happened to a touch: replied, inbound, clicked, opened, sent."""
    if touch.replied:
        return "replied"
    if touch.direction == "inbound":
        return "inbound"
    if touch.clicked:
        return "clicked"
    return "opened" if touch.opened else "sent"


def _hover(touch: TimelineTouch) -> str:
    parts = [
        f"<b>{html.escape(touch.subject or '(no subject)')}</b>",
        html.escape(f"{touch.person} · {touch.channel} {touch.direction}"),
        touch.occurred_at.strftime("%Y-%m-%d %H:%M UTC"),
        touch_state(touch),
    ]
    if touch.conversation:
        parts.append(f"conversation: {html.escape(touch.conversation)}")
    return "<br>".join(parts)


def touchpoint_timeline(
    touches: Sequence[TimelineTouch], by: str = "person", height: int | None = None
) -> go.Figure:
    """Time across, people (or channels) down; each touch marked by what it led to.

    Range buttons and a range slider select the period; the subject shows on hover.
    """
    lanes = sorted({_lane(t, by) for t in touches})
    figure = go.Figure()
    for state, colour, symbol in TOUCH_STATES:
        chosen = [t for t in touches if touch_state(t) == state]
        if not chosen:
            continue
        figure.add_trace(
            go.Scatter(
                x=[t.occurred_at for t in chosen],
                y=[html.escape(_lane(t, by)) for t in chosen],
                mode="markers",
                name=state,
                marker={
                    "color": colour,
                    "size": 11,
                    "symbol": [CHANNEL_SYMBOLS.get(t.channel, symbol) for t in chosen],
                    "line": {"width": 1, "color": "#1f2933"},
                },
                hovertext=[_hover(t) for t in chosen],
                hoverinfo="text",
            )
        )
    figure.update_layout(
        height=height or max(260, 90 + 28 * len(lanes)),
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": 1.08, "x": 0},
        yaxis={
            "categoryorder": "array",
            "categoryarray": [html.escape(lane) for lane in reversed(lanes)],
            "automargin": True,
        },
        xaxis={
            "type": "date",
            "rangeselector": {
                "buttons": [
                    {"count": 7, "label": "1w", "step": "day", "stepmode": "backward"},
                    {"count": 1, "label": "1m", "step": "month", "stepmode": "backward"},
                    {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
                    {"count": 6, "label": "6m", "step": "month", "stepmode": "backward"},
                    {"step": "all", "label": "all"},
                ]
            },
            "rangeslider": {"visible": True, "thickness": 0.08},
        },
    )
    return figure


def _lane(touch: TimelineTouch, by: str) -> str:
    return touch.channel if by == "channel" else touch.person


# --- relationship map ---------------------------------------------------------------------


@dataclass(frozen=True)
class MapPerson:
    """A person on the relationship map."""

    id: int
    name: str
    title: str | None = None
    role: str | None = None
    seniority: str | None = None
    engagement: float = 0.0
    is_decision_maker: bool = False
    is_primary: bool = False
    in_conversation: bool = False
    opted_out: bool = False


@dataclass(frozen=True)
class MapTie:
    """A relationship on the map."""

    a: int
    b: int
    kind: str = "colleague"
    strength: str = "medium"
    confidence: float = 1.0
    notes: str | None = None


@dataclass(frozen=True)
class MapOptions:
    """What the map highlights and how it colours people."""

    color_by: str = "role"  # or "engagement"
    targets: frozenset[int] = frozenset()
    path: tuple[int, ...] = ()
    height_px: int = 560
    # Where a double click on a person goes (formatted with the id), e.g. "Contact?contact={id}".
    link_template: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def layout(
    people: Sequence[MapPerson], ties: Sequence[MapTie], seed: int = 7, iterations: int = 50
) -> dict[int, tuple[float, float]]:
    """Pixel positions from a seeded force-directed layout, scaled to the number of people.

    Computing the layout here lets the browser draw with physics off: instant at 500 people.
    """
    graph = nx.Graph()
    graph.add_nodes_from(p.id for p in people)
    for tie in ties:
        if tie.a in graph and tie.b in graph and tie.a != tie.b:
            graph.add_edge(tie.a, tie.b, weight=scoring.tie_factor(tie.strength, tie.confidence))
    if not graph:
        return {}
    nodes = list(graph)
    weights = nx.to_numpy_array(graph, nodelist=nodes, weight="weight", dtype=np.float32)
    positions = spring_positions(weights, seed=seed, iterations=iterations)
    positions -= positions.mean(axis=0)
    spread = float(np.abs(positions).max()) or 1.0
    scale = 70.0 * math.sqrt(len(nodes)) / spread
    return {
        int(n): (float(x) * scale, float(y) * scale)
        for n, (x, y) in zip(nodes, positions, strict=True)
    }


def spring_positions(weights: np.ndarray, seed: int = 7, iterations: int = 50) -> np.ndarray:
    """Fruchterman-Reingold on a dense weight matrix, in float32.

    The same algorithm as networkx's dense spring layout, which networkx swaps for a
    pure-Python sparse loop (seconds) from 500 nodes on; this stays around 0.2 s there.
    """
    n = weights.shape[0]
    pos = np.random.default_rng(seed).random((n, 2), dtype=np.float32)
    if n == 1:
        return pos
    k = np.float32(1.0 / math.sqrt(n))
    gravity = np.float32(n * k)
    temperature = np.float32(0.1)
    cooling = temperature / (iterations + 1)
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        dist2 = np.maximum(np.einsum("ijk,ijk->ij", delta, delta), np.float32(1e-4))
        force = k * k / dist2 - weights * np.sqrt(dist2) / k
        shift = np.einsum("ijk,ij->ik", delta, force)
        # Gravity keeps loners and small islands near the core instead of at the far edge.
        shift -= gravity * (pos - pos.mean(axis=0))
        length = np.maximum(np.sqrt((shift * shift).sum(axis=1)), np.float32(0.01))
        pos += shift * (temperature / length)[:, None]
        temperature -= cooling
    return pos


def influence(people: Sequence[MapPerson], ties: Sequence[MapTie]) -> dict[int, float]:
    """PageRank on tie strength, the most central person at 1."""
    graph = scoring.tie_graph(
        (p.id for p in people),
        (scoring.Tie(t.a, t.b, t.strength, t.confidence, t.kind) for t in ties),
    )
    return scoring.centrality(graph)


def _role_key(role: str | None) -> str:
    return (role or "").strip().lower().replace(" ", "_").replace("-", "_")


def person_color(person: MapPerson, color_by: str) -> str:
    """Fill colour: the buying role's, or a grey-to-green ramp of engagement (0-100)."""
    if color_by == "engagement":
        share = min(1.0, max(0.0, person.engagement / 100.0))
        low, high = (0xE4, 0xE7, 0xEB), (0x2E, 0x9E, 0x5B)
        rgb = [round(a + (b - a) * share) for a, b in zip(low, high, strict=True)]
        return "#{:02x}{:02x}{:02x}".format(*rgb)
    return ROLE_COLORS.get(_role_key(person.role), OTHER_ROLE_COLOR)


def _person_tooltip(person: MapPerson, rank: float, is_target: bool) -> str:
    """Plain text: vis-network shows string titles with innerText, so nothing is parsed."""
    lines = [person.name or f"contact #{person.id}"]
    if person.title:
        lines.append(person.title)
    lines.append(f"role: {person.role or 'unknown'} · seniority: {person.seniority or 'unknown'}")
    lines.append(f"engagement {person.engagement:.0f}/100 · influence {rank:.2f}")
    flags = [
        label
        for flag, label in (
            (person.is_decision_maker, "decision maker"),
            (person.is_primary, "primary contact"),
            (person.in_conversation, "in a conversation"),
            (is_target, "expansion target"),
            (person.opted_out, "opted out"),
        )
        if flag
    ]
    if flags:
        lines.append(", ".join(flags))
    return "\n".join(lines)


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _nodes(
    people: Sequence[MapPerson],
    positions: Mapping[int, tuple[float, float]],
    rank: Mapping[int, float],
    options: MapOptions,
) -> list[dict[str, Any]]:
    on_path = set(options.path)
    out = []
    for person in people:
        x, y = positions.get(person.id, (0.0, 0.0))
        target = person.id in options.targets
        border = PATH_COLOR if person.id in on_path else TARGET_COLOR if target else "#1f2933"
        out.append(
            {
                "id": person.id,
                "label": _short(person.name or f"#{person.id}"),
                "title": _person_tooltip(person, rank.get(person.id, 0.0), target),
                "x": round(x, 1),
                "y": round(y, 1),
                "size": round(10 + 26 * rank.get(person.id, 0.0), 1),
                "shape": "star" if target else "diamond" if person.is_decision_maker else "dot",
                "borderWidth": 3 if person.id in on_path else 2 if target else 1,
                "color": {
                    "background": person_color(person, options.color_by),
                    "border": border,
                    "highlight": {
                        "background": person_color(person, options.color_by),
                        "border": PATH_COLOR,
                    },
                },
            }
        )
    return out


def _edges(ties: Sequence[MapTie], known: set[int], path: Sequence[int]) -> list[dict[str, Any]]:
    steps = {frozenset(pair) for pair in zip(path, path[1:], strict=False)}
    out = []
    for tie in ties:
        if tie.a not in known or tie.b not in known:
            continue
        on_path = frozenset((tie.a, tie.b)) in steps
        title = f"{tie.kind.replace('_', ' ')} · {tie.strength} · confidence {tie.confidence:.2f}"
        if tie.notes:
            title += "\n" + tie.notes
        out.append(
            {
                "from": tie.a,
                "to": tie.b,
                "title": title,
                "width": (6.0 if on_path else STRENGTH_WIDTHS.get(tie.strength, 1.0)),
                "color": {"color": PATH_COLOR if on_path else EDGE_COLOR, "opacity": 1.0},
                "dashes": tie.kind in ("former_colleague", "referred_by"),
                "arrows": {"to": {"enabled": tie.kind == "reports_to", "scaleFactor": 0.5}},
            }
        )
    return out


def _script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no tag, comment or entity can be formed."""
    text = json.dumps(value, ensure_ascii=False)
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@functools.cache
def vis_network_js() -> str:
    """The vis-network library shipped inside the pyvis package (read once)."""
    source = files("pyvis") / "lib" / "vis-9.1.2" / "vis-network.min.js"
    return source.read_text(encoding="utf-8").replace("</script", "<\\/script")


def _legend(color_by: str, roles_present: Iterable[str]) -> str:
    items: list[tuple[str, str, str]] = []
    if color_by == "engagement":
        items += [
            ("dot", person_color(MapPerson(0, "", engagement=e), color_by), f"engagement {e}")
            for e in (0, 50, 100)
        ]
    else:
        present = set(roles_present)
        items += [
            ("dot", colour, role.replace("_", " "))
            for role, colour in ROLE_COLORS.items()
            if role in present
        ]
        items.append(("dot", OTHER_ROLE_COLOR, "other / unknown role"))
    items += [
        ("ring", TARGET_COLOR, "expansion target (star)"),
        ("ring", PATH_COLOR, "intro path"),
        ("line", EDGE_COLOR, "tie: thicker = stronger; arrow = reports to"),
    ]
    rows = "".join(
        f'<div class="item"><span class="{kind}" style="--c:{html.escape(colour)}"></span>'
        f"{html.escape(label)}</div>"
        for kind, colour, label in items
    )
    size = "size = influence (PageRank) · diamond = decision maker"
    return f'<div id="legend">{rows}<div class="item">{html.escape(size)}</div></div>'


STYLE = """
html, body { margin: 0; padding: 0; font-family: sans-serif; background: #ffffff; }
/* The legend is a strip above the map, not an overlay: an overlay hides the people under it. */
#frame { display: flex; flex-direction: column; height: var(--h); }
#map { flex: 1 1 auto; min-height: 0; width: 100%; border: 1px solid #e4e7eb;
  border-radius: 6px; }
#legend { display: flex; flex-wrap: wrap; gap: 2px 14px; padding: 0 2px 6px; font-size: 12px;
  color: #3e4c59; }
#legend .item { display: flex; align-items: center; gap: 5px; }
#legend .dot { width: 11px; height: 11px; border-radius: 50%; background: var(--c); }
#legend .ring { width: 9px; height: 9px; border-radius: 50%; border: 3px solid var(--c); }
#legend .line { width: 16px; height: 3px; background: var(--c); }
#empty { padding: 2em; color: #52606d; }
div.vis-tooltip { position: absolute; visibility: hidden; padding: 6px 8px; white-space: pre;
  font-size: 13px; background: #fffdf5; border: 1px solid #9aa5b1; border-radius: 4px;
  box-shadow: 2px 2px 8px rgba(0,0,0,0.15); pointer-events: none; z-index: 5; }
"""

SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var network = new vis.Network(
    document.getElementById("map"),
    {nodes: new vis.DataSet(data.nodes), edges: new vis.DataSet(data.edges)},
    data.options);
  window.abmNetwork = network;
  network.once("afterDrawing", function () { document.body.setAttribute("data-drawn", "1"); });
  if (data.link) {
    network.on("doubleClick", function (params) {
      if (!params.nodes.length) { return; }
      var url = data.link.replace("{id}", encodeURIComponent(params.nodes[0]));
      try { window.parent.location.assign(url); } catch (e) { window.location.assign(url); }
    });
  }
})();
"""

VIS_OPTIONS: dict[str, Any] = {
    "physics": {"enabled": False},
    "layout": {"improvedLayout": False, "randomSeed": 7},
    "interaction": {
        "hover": True,
        "tooltipDelay": 80,
        "hideEdgesOnDrag": True,
        "multiselect": False,
        "navigationButtons": False,
    },
    "nodes": {"font": {"size": 13, "face": "sans-serif"}, "scaling": {"label": {"enabled": False}}},
    "edges": {"smooth": False, "selectionWidth": 2},
}


def relationship_map_html(
    people: Sequence[MapPerson], ties: Sequence[MapTie], options: MapOptions | None = None
) -> str:
    """A self-contained vis-network page: library inlined, no external script, style or font.

    Positions come from networkx and physics is off, so large accounts draw at once. Every
    user string travels as JSON inside a data element and is shown as text by vis-network.
    """
    options = options or MapOptions()
    height = f"{int(options.height_px)}px"
    if not people:
        body = '<div id="empty">No contacts at this account yet.</div>'
        return _page(height, body, "")
    positions = layout(people, ties)
    rank = influence(people, ties)
    data = {
        "nodes": _nodes(people, positions, rank, options),
        "edges": _edges(ties, {p.id for p in people}, options.path),
        "options": {**VIS_OPTIONS, **options.extra},
        "link": options.link_template,
    }
    body = (
        _legend(options.color_by, {_role_key(p.role) for p in people})
        + '<div id="map"></div>'
        + f'<script type="application/json" id="map-data">{_script_json(data)}</script>'
    )
    return _page(height, body, f"<script>{vis_network_js()}</script><script>{SCRIPT}</script>")


def _page(height: str, body: str, scripts: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<style>:root {{ --h: {html.escape(height)}; }}{STYLE}</style></head>"
        f"<body><div id='frame'>{body}</div>{scripts}</body></html>"
    )
