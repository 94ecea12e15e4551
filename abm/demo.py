"""Demo data: a seeded, realistic portfolio of accounts, people, relationships and touches."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, func, select

from abm.errors import DuplicateError
from abm.models import (
    BuyingRole,
    Company,
    Contact,
    Conversation,
    Relationship,
    Seniority,
    Touchpoint,
)

DEMO_TLD = "example"  # reserved top-level domain: demo addresses can never reach anyone

OWNERS = ("Alex Rivera", "Jordan Lee", "Sam Patel", "Morgan Blake")

COMPANY_NAMES = (
    "Northwind Health",
    "Contoso Pharma",
    "Fabrikam Logistics",
    "Tailspin Air",
    "Litware Labs",
    "Adatum Bank",
    "Wingtip Retail",
    "Proseware Systems",
    "Woodgrove Financial",
    "Lucerne Publishing",
    "Margie's Travel",
    "Blue Yonder Airlines",
    "Coho Vineyard",
    "Alpine Ski House",
    "Humongous Insurance",
    "Trey Research",
    "Fourth Coffee",
    "VanArsdel Foods",
    "Relecloud",
    "Southridge Video",
    "Datum Energy",
    "Consolidated Messenger",
    "Graphic Design Institute",
    "School of Fine Art",
    "Wide World Importers",
    "Tasmanian Traders",
    "Bellows College",
    "Smith & Sons Manufacturing",
    "Nod Publishers",
    "Olympic Steel Works",
    "Pinecrest Medical Group",
    "Redwood Credit Union",
    "Silverline Telecom",
    "Greenfield Agritech",
    "Harborview Hospitals",
    "Summit Robotics",
)

INDUSTRIES = {
    "Healthcare": ("Hospitals", "Pharmaceuticals", "Medical devices"),
    "Financial Services": ("Banking", "Insurance", "Credit unions"),
    "Manufacturing": ("Industrial", "Automotive parts", "Steel"),
    "Software": ("SaaS", "Analytics", "Security"),
    "Retail": ("E-commerce", "Grocery", "Apparel"),
    "Logistics": ("Freight", "Air cargo", "Warehousing"),
    "Education": ("Higher education", "K-12", "Training"),
    "Energy": ("Utilities", "Renewables", "Oil and gas"),
}

CITIES = (
    ("Boston, MA", "America/New_York"),
    ("Chicago, IL", "America/Chicago"),
    ("Austin, TX", "America/Chicago"),
    ("Seattle, WA", "America/Los_Angeles"),
    ("Denver, CO", "America/Denver"),
    ("New York, NY", "America/New_York"),
    ("London, UK", "Europe/London"),
    ("Toronto, ON", "America/Toronto"),
)

FIRST_NAMES = (
    "Ava",
    "Liam",
    "Noah",
    "Emma",
    "Olivia",
    "Mateo",
    "Sofia",
    "Ethan",
    "Mia",
    "Lucas",
    "Amara",
    "Priya",
    "Hiroshi",
    "Chen",
    "Fatima",
    "Diego",
    "Grace",
    "Kwame",
    "Ingrid",
    "Rahul",
    "Elena",
    "Omar",
    "Zoe",
    "Nora",
    "Isaac",
    "Leah",
    "Marcus",
    "Yuki",
    "Aisha",
    "Tomás",
    "Hannah",
    "Ravi",
    "Camila",
    "Felix",
    "Maya",
    "Samuel",
    "Lena",
    "Jamal",
    "Clara",
    "Viktor",
)
LAST_NAMES = (
    "Johnson",
    "Nguyen",
    "Garcia",
    "Okafor",
    "Schmidt",
    "Patel",
    "Kim",
    "O'Neil",
    "Rossi",
    "Haddad",
    "Andersson",
    "Dubois",
    "Tanaka",
    "Mensah",
    "Kowalski",
    "Silva",
    "Cohen",
    "Murphy",
    "Ivanova",
    "Reyes",
    "Chen",
    "Fischer",
    "Adeyemi",
    "Larsen",
    "Moreau",
    "Santos",
    "Brennan",
    "Yamamoto",
    "Ortiz",
    "Walsh",
    "Novak",
    "Hughes",
    "Bianchi",
    "Ahmed",
    "Sato",
    "Lindqvist",
)

# (role, seniority, title, department) of the people a buying committee is made of.
COMMITTEE: tuple[tuple[str, str, str, str], ...] = (
    (BuyingRole.ECONOMIC_BUYER, Seniority.C_LEVEL, "Chief Financial Officer", "Finance"),
    (BuyingRole.DECISION_MAKER, Seniority.C_LEVEL, "Chief Operating Officer", "Operations"),
    (BuyingRole.DECISION_MAKER, Seniority.VP, "VP of Operations", "Operations"),
    (BuyingRole.CHAMPION, Seniority.DIRECTOR, "Director of Revenue Operations", "Sales"),
    (BuyingRole.TECHNICAL_BUYER, Seniority.DIRECTOR, "Director of IT", "IT"),
    (BuyingRole.INFLUENCER, Seniority.MANAGER, "Marketing Operations Manager", "Marketing"),
    (BuyingRole.USER, Seniority.SENIOR, "Senior Sales Analyst", "Sales"),
    (BuyingRole.GATEKEEPER, Seniority.MANAGER, "Procurement Manager", "Procurement"),
    (BuyingRole.BLOCKER, Seniority.DIRECTOR, "Director of Information Security", "IT"),
)
EXTRA_PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    (BuyingRole.USER, Seniority.ENTRY, "Sales Development Representative", "Sales"),
    (BuyingRole.USER, Seniority.SENIOR, "Senior Data Analyst", "Analytics"),
    (BuyingRole.INFLUENCER, Seniority.MANAGER, "Customer Success Manager", "Customer Success"),
    (BuyingRole.INFLUENCER, Seniority.DIRECTOR, "Director of Marketing", "Marketing"),
    (BuyingRole.TECHNICAL_BUYER, Seniority.MANAGER, "Data Engineering Manager", "IT"),
    (BuyingRole.USER, Seniority.ENTRY, "Operations Coordinator", "Operations"),
    (BuyingRole.INFLUENCER, Seniority.VP, "VP of Sales", "Sales"),
)
SENIORITY_RANK = {s.value: i for i, s in enumerate(Seniority)}  # 0 = most senior

INTERESTS = (
    "pipeline visibility",
    "forecast accuracy",
    "data quality",
    "automation",
    "compliance",
    "cost reduction",
    "customer retention",
    "AI assistants",
    "security reviews",
    "integrations",
)
SUBJECTS = (
    "Quick question about {topic}",
    "Idea for {company}'s {topic}",
    "Following up: {topic}",
    "Case study: how a peer improved {topic}",
    "{company} x ABM Workspace: next steps",
    "Agenda for our call on {topic}",
    "Notes from our meeting",
    "Pricing overview for {company}",
    "Security questionnaire",
    "Pilot proposal: {topic}",
)
CONVERSATION_SUBJECTS = (
    "Pilot for {topic}",
    "Renewal and expansion",
    "Evaluation of ABM Workspace",
    "Intro via {name}",
    "Discovery: {topic}",
    "Security review",
    "Executive briefing",
)


@dataclass(frozen=True)
class Profile:
    """How an account behaves: how many threads, how recent, how responsive."""

    name: str
    status: str
    threads: tuple[int, int]  # people in a conversation (min, max)
    window: tuple[int, int]  # touches from .. to days before as_of
    open_p: float
    click_p: float
    reply_p: float
    tiers: tuple[str, ...]
    conv_status: str = "active"
    cold_pings: int = 0  # recent outbound emails left unanswered


PROFILES: tuple[tuple[Profile, int], ...] = (
    (Profile("thriving", "engaged", (4, 6), (170, 1), 0.85, 0.45, 0.4, ("scorching", "hot")), 6),
    (Profile("healthy", "customer", (2, 4), (150, 4), 0.7, 0.3, 0.25, ("hot", "warm")), 8),
    (Profile("single_threaded", "engaged", (1, 1), (120, 2), 0.75, 0.3, 0.35, ("warm",)), 7),
    (
        Profile(
            "gone_cold",
            "engaged",
            (2, 3),
            (230, 110),
            0.6,
            0.2,
            0.25,
            ("cool", "cold"),
            cold_pings=2,
        ),
        7,
    ),
    (Profile("new", "target", (1, 2), (24, 1), 0.45, 0.08, 0.0, ("cool", "warm")), 5),
    (Profile("untouched", "prospect", (0, 0), (0, 0), 0.0, 0.0, 0.0, ("cold",)), 2),
    (
        Profile(
            "churned", "churned", (1, 2), (420, 200), 0.5, 0.1, 0.15, ("cold",), conv_status="lost"
        ),
        1,
    ),
)


@dataclass
class _Plan:
    """Rows to insert, built in memory first so each table is one statement."""

    companies: list[dict[str, Any]] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    contacts: list[list[dict[str, Any]]] = field(default_factory=list)


def is_empty(session: Session) -> bool:
    """Whether the database has no account at all."""
    return session.exec(select(func.count()).select_from(Company)).one() == 0


def load_demo(session: Session, seed: int = 7, as_of: datetime | None = None) -> dict[str, int]:
    """Insert the demo portfolio, dated relative to `as_of` (default now); flushes, never commits.

    Returns how many rows of each table were added. Raises DuplicateError if already loaded.
    """
    as_of = (as_of or datetime.now(UTC)).astimezone(UTC)
    rng = random.Random(seed)
    plan = _plan_accounts(rng)
    _refuse_twice(session, plan)
    company_ids = _insert(session, Company, plan.companies)
    summary = {"companies": len(company_ids), "contacts": 0, "relationships": 0}
    people = [
        dict(row, company_id=cid)
        for cid, rows in zip(company_ids, plan.contacts, strict=True)
        for row in rows
    ]
    contact_ids = _insert(session, Contact, people)
    summary["contacts"] = len(contact_ids)
    by_company = _group_ids(plan.contacts, contact_ids)
    ties = [
        t
        for ids, rows in zip(by_company, plan.contacts, strict=True)
        for t in _ties(rng, ids, rows)
    ]
    for tie, cid in zip(ties, _flat_company_ids(ties, by_company, company_ids), strict=True):
        tie["company_id"] = cid
    _insert(session, Relationship, ties, returning=False)
    summary["relationships"] = len(ties)
    conv_rows, touches = _activity(rng, plan, company_ids, by_company, as_of)
    summary["conversations"], summary["touchpoints"] = _insert_activity(session, conv_rows, touches)
    session.flush()
    session.expire_all()  # counters kept by triggers are newer than anything in the session
    return summary


# --- plan ---------------------------------------------------------------------------------


def _refuse_twice(session: Session, plan: _Plan) -> None:
    domains = [row["domain"] for row in plan.companies]
    found = session.exec(select(func.count()).where(Company.domain.in_(domains))).one()  # type: ignore[union-attr]
    if found:
        raise DuplicateError("domain", "the demo data is already loaded")


def _slug(name: str) -> str:
    kept = "".join(ch if ch.isalnum() else "-" for ch in name.lower().replace("'", ""))
    return "-".join(part for part in kept.split("-") if part)


def _plan_accounts(rng: random.Random) -> _Plan:
    profiles = [p for p, n in PROFILES for _ in range(n)]
    rng.shuffle(profiles)
    plan = _Plan()
    for index, (name, profile) in enumerate(zip(COMPANY_NAMES, profiles, strict=True)):
        # Two big accounts make the relationship map worth looking at.
        size = rng.randint(38, 48) if index in (0, 5) else rng.randint(5, 14)
        domain = f"{_slug(name)}.{DEMO_TLD}"
        plan.companies.append(_company_row(rng, name, domain, profile, index))
        plan.profiles.append(profile)
        plan.contacts.append(_people(rng, domain, size))
    return plan


def _company_row(
    rng: random.Random, name: str, domain: str, profile: Profile, index: int
) -> dict[str, Any]:
    industry = rng.choice(sorted(INDUSTRIES))
    city, _ = rng.choice(CITIES)
    employees = rng.choice((180, 450, 1200, 3500, 9000, 24000, 60000))
    tier = 1 if profile.name == "thriving" else rng.choice((1, 2, 2, 3))
    return {
        "name": name,
        "domain": domain,
        "industry": industry,
        "sector": rng.choice(INDUSTRIES[industry]),
        "tier": tier,
        "status": profile.status,
        "employee_count": employees,
        "annual_revenue": employees * rng.randint(150, 420) * 1000,
        "location": city,
        "owner": OWNERS[index % len(OWNERS)],
        "description": f"{name}: {INDUSTRIES[industry][0].lower()} organisation in {city}.",
        "research_data": {"priorities": rng.sample(INTERESTS, 3)},
    }


def _people(rng: random.Random, domain: str, size: int) -> list[dict[str, Any]]:
    committee = list(COMMITTEE[: min(size, len(COMMITTEE))])
    if len(committee) == len(COMMITTEE) and rng.random() < 0.5:
        committee.pop()  # not every account has an active blocker
    extra = [rng.choice(EXTRA_PEOPLE) for _ in range(size - len(committee))]
    used: set[str] = set()
    rows = []
    for role, seniority, title, department in committee + extra:
        first, last = _unique_name(rng, used)
        city, tz = rng.choice(CITIES)
        local = _slug(f"{first}.{last}").replace("-", ".")
        rows.append(
            {
                "first_name": first,
                "last_name": last,
                "email": f"{local}@{domain}",
                "title": title,
                "department": department,
                "role": str(role),
                "seniority": str(seniority),
                "is_decision_maker": role in (BuyingRole.ECONOMIC_BUYER, BuyingRole.DECISION_MAKER),
                "is_primary": role == BuyingRole.CHAMPION,
                "location": city,
                "timezone": tz,
                "linkedin_url": f"https://www.linkedin.com/in/{local.replace('.', '-')}",
                "preferred_channel": rng.choice(("email", "email", "call", "linkedin")),
                "interests": rng.sample(INTERESTS, 2),
            }
        )
    if not any(r["is_primary"] for r in rows):
        rows[0]["is_primary"] = True
    return rows


def _unique_name(rng: random.Random, used: set[str]) -> tuple[str, str]:
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if f"{first} {last}" not in used:
            used.add(f"{first} {last}")
            return first, last


# --- relationships ------------------------------------------------------------------------


def _ties(
    rng: random.Random, ids: Sequence[int], rows: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """A reporting tree by seniority, plus peers, colleagues and a few older ties."""
    order = sorted(range(len(ids)), key=lambda i: (SENIORITY_RANK[rows[i]["seniority"]], i))
    pairs: dict[frozenset[int], dict[str, Any]] = {}

    def add(a: int, b: int, kind: str, strength: str) -> None:
        key = frozenset((ids[a], ids[b]))
        if a != b and key not in pairs:
            pairs[key] = {
                "contact_id": ids[a],
                "related_contact_id": ids[b],
                "relationship_type": kind,
                "strength": strength,
                "confidence": round(rng.uniform(0.6, 1.0), 2),
                "source": "demo",
            }

    for pos, i in enumerate(order[1:], start=1):
        # Report to someone more senior, usually close above in the ranking.
        boss = order[rng.randint(max(0, pos - 4), pos - 1)]
        add(i, boss, "reports_to", rng.choice(("strong", "strong", "medium")))
    for _ in range(len(ids)):
        a, b = rng.sample(range(len(ids)), 2)
        kind = rng.choice(("colleague", "colleague", "peer", "former_colleague", "mentor"))
        add(a, b, kind, rng.choice(("weak", "medium", "medium", "strong")))
    return list(pairs.values())


def _flat_company_ids(
    ties: Sequence[dict[str, Any]], by_company: Sequence[Sequence[int]], company_ids: Sequence[int]
) -> list[int]:
    owner = {
        cid: company for ids, company in zip(by_company, company_ids, strict=True) for cid in ids
    }
    return [owner[t["contact_id"]] for t in ties]


# --- conversations and touchpoints --------------------------------------------------------


def _activity(
    rng: random.Random,
    plan: _Plan,
    company_ids: Sequence[int],
    by_company: Sequence[Sequence[int]],
    as_of: datetime,
) -> tuple[list[dict[str, Any]], list[list[dict[str, Any]]]]:
    """Conversation rows and, for each, its touchpoint rows (conversation id filled later)."""
    conversations: list[dict[str, Any]] = []
    touches: list[list[dict[str, Any]]] = []
    for n, (company_id, profile, ids) in enumerate(
        zip(company_ids, plan.profiles, by_company, strict=True)
    ):
        rows = plan.contacts[n]
        low, high = profile.threads
        if high == 0:
            continue
        threads = _thread_people(rng, rows, min(rng.randint(low, high), len(ids)))
        context = {"company": plan.companies[n]["name"], "owner": plan.companies[n]["owner"]}
        for i in threads:
            conv, tps = _conversation(rng, profile, company_id, ids[i], rows[i], context, as_of)
            conversations.append(conv)
            touches.append(tps)
    return conversations, touches


def _thread_people(rng: random.Random, rows: Sequence[dict[str, Any]], count: int) -> list[int]:
    """Who is in a conversation: the champion first, then a mix of the rest."""
    first = next(i for i, r in enumerate(rows) if r["is_primary"])
    rest = [i for i in range(len(rows)) if i != first]
    return [first, *rng.sample(rest, count - 1)] if count > 1 else [first]


def _conversation(
    rng: random.Random,
    profile: Profile,
    company_id: int,
    contact_id: int,
    person: dict[str, Any],
    context: dict[str, Any],
    as_of: datetime,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    start_days, end_days = profile.window
    start = as_of - timedelta(days=rng.uniform(end_days + 10, start_days), hours=rng.random() * 8)
    end = as_of - timedelta(days=end_days, hours=rng.random() * 6)
    topic = rng.choice(person["interests"])
    names = {"company": context["company"], "topic": topic}
    tps = _touches(rng, profile, company_id, contact_id, start, end, names)
    tps += _cold_pings(rng, profile, company_id, contact_id, as_of, names)
    status = profile.conv_status
    if status == "active" and profile.name == "healthy" and rng.random() < 0.25:
        status = "won"
    elif status == "active" and profile.name == "gone_cold" and rng.random() < 0.4:
        status = "paused"
    first_at = min((t["occurred_at"] for t in tps), default=start)
    conv = {
        "contact_id": contact_id,
        "company_id": company_id,
        "subject": rng.choice(CONVERSATION_SUBJECTS).format(topic=topic, name=person["first_name"]),
        "status": status,
        "qualification_tier": rng.choice(profile.tiers),
        "channel": "email",
        "owner": context["owner"],
        "next_followup_at": _followup(rng, profile, as_of) if status == "active" else None,
        "context": {
            "pain_points": [topic],
            "next_step": rng.choice(("send case study", "book demo", "security review", "pricing")),
            "personal_notes": (
                f"Prefers {person['preferred_channel']}; based in {person['location']}"
            ),
        },
        "outcome": {"won": "signed a 12-month pilot", "lost": "chose a competitor"}.get(status),
        "started_at": first_at,
        "closed_at": end + timedelta(days=3) if status in ("won", "lost") else None,
    }
    return conv, tps


def _followup(rng: random.Random, profile: Profile, as_of: datetime) -> datetime:
    """Due dates spread over overdue, today, this week and later; cold accounts mostly late."""
    if profile.name == "gone_cold":
        days = rng.uniform(-30, -2)
    else:
        days = rng.choice((-6.0, -2.0, 0.0, 0.0, 2.0, 4.0, 6.0, 12.0, 20.0)) + rng.uniform(0, 0.9)
    due = as_of + timedelta(days=days)
    if days >= 0 and due.date() == as_of.date() and due < as_of:
        due = as_of + timedelta(minutes=30)
    return due.replace(second=0, microsecond=0)


def _touches(
    rng: random.Random,
    profile: Profile,
    company_id: int,
    contact_id: int,
    start: datetime,
    end: datetime,
    names: dict[str, str],
) -> list[dict[str, Any]]:
    out = []
    at = start
    while at <= end:
        out.append(_touch(rng, profile, company_id, contact_id, at, names))
        at += timedelta(days=rng.uniform(4, 13), hours=rng.uniform(-3, 3))
    return out


def _touch(
    rng: random.Random,
    profile: Profile,
    company_id: int,
    contact_id: int,
    at: datetime,
    names: dict[str, str],
) -> dict[str, Any]:
    channel = rng.choices(
        ("email", "linkedin", "call", "meeting", "sms"), weights=(70, 10, 10, 6, 4)
    )[0]
    inbound = channel == "email" and rng.random() < profile.reply_p * 0.4
    row: dict[str, Any] = {
        "conversation_id": None,
        "contact_id": contact_id,
        "company_id": company_id,
        "channel": channel,
        "direction": "inbound" if inbound else "outbound",
        "occurred_at": at,
        "subject": rng.choice(SUBJECTS).format(**names),
        "duration_minutes": rng.choice((15, 30, 45)) if channel in ("call", "meeting") else None,
        "content": None,
    }
    if channel == "email" and not inbound:
        row["delivered_at"] = at + timedelta(seconds=5)
        _email_events(rng, profile, row, at)
    return row


def _email_events(rng: random.Random, profile: Profile, row: dict[str, Any], at: datetime) -> None:
    """Opens, clicks and replies, each only after the one before it."""
    if rng.random() >= profile.open_p:
        return
    row["opened_at"] = at + timedelta(hours=rng.uniform(0.2, 30))
    if rng.random() < profile.click_p:
        row["clicked_at"] = row["opened_at"] + timedelta(minutes=rng.uniform(1, 90))
    if rng.random() < profile.reply_p:
        row["replied_at"] = row["opened_at"] + timedelta(hours=rng.uniform(0.5, 40))


def _cold_pings(
    rng: random.Random,
    profile: Profile,
    company_id: int,
    contact_id: int,
    as_of: datetime,
    names: dict[str, str],
) -> list[dict[str, Any]]:
    """Recent outbound emails nobody answered: what makes a cold account look cold."""
    return [
        {
            "conversation_id": None,
            "contact_id": contact_id,
            "company_id": company_id,
            "channel": "email",
            "direction": "outbound",
            "occurred_at": as_of - timedelta(days=rng.uniform(3, 25)),
            "subject": "Checking in: " + SUBJECTS[2].format(**names),
            "duration_minutes": None,
            "content": None,
        }
        for _ in range(profile.cold_pings)
    ]


# --- inserts ------------------------------------------------------------------------------


def _insert(
    session: Session, model: type[Any], rows: list[dict[str, Any]], returning: bool = True
) -> list[int]:
    """One multi-row INSERT (batched by SQLAlchemy), ids in the order of `rows`."""
    if not rows:
        return []
    rows = _same_keys(rows)
    if not returning:
        session.execute(sa.insert(model), rows)
        return []
    statement = sa.insert(model).returning(model.id, sort_by_parameter_order=True)
    return [row[0] for row in session.execute(statement, rows)]


def _same_keys(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every row with every key: executemany needs one shape of parameters."""
    keys: dict[str, None] = {}
    for row in rows:
        keys.update(dict.fromkeys(row))
    return [{key: row.get(key) for key in keys} for row in rows]


def _group_ids(groups: Sequence[Sequence[Any]], flat: Sequence[int]) -> list[list[int]]:
    out, start = [], 0
    for group in groups:
        out.append(list(flat[start : start + len(group)]))
        start += len(group)
    return out


def _insert_activity(
    session: Session, conversations: list[dict[str, Any]], touches: list[list[dict[str, Any]]]
) -> tuple[int, int]:
    conv_ids = _insert(session, Conversation, conversations)
    rows = [
        dict(t, conversation_id=cid)
        for cid, tps in zip(conv_ids, touches, strict=True)
        for t in tps
    ]
    rows.sort(key=lambda r: r["occurred_at"])
    _insert(session, Touchpoint, rows, returning=False)
    return len(conv_ids), len(rows)
