"""The offline model in the role of the two specialists: the SQL agent and the docs agent.

Each role function receives the parsed turn and returns either a tool call (name, args) to make
next, or the final text. The SQL agent writes SQLite for the request it was given; the docs agent
searches the documents and quotes them.
"""

from __future__ import annotations

import math
import re
from dataclasses import replace
from datetime import date
from functools import lru_cache

from techhub.agent.catalogue import KINDS, load_catalogue, plural
from techhub.agent.retrieval import load_documents, search_documents, tokenize
from techhub.models.offline.conversation import Turn, load_json
from techhub.models.offline.language import (
    POLICY_INTENTS,
    Ranking,
    Reading,
    clauses,
    foreign_subjects,
    normalize,
    read_message,
)
from techhub.models.offline.synonyms import expand

ToolCall = tuple[str, dict]

ORDER_COLUMNS = "order_id, order_date, status, shipped_date, delivered_date, total_amount"
ORDERS_WITH_ITEMS = (
    "SELECT o.order_id, o.order_date, o.status, o.shipped_date, o.delivered_date, o.total_amount, "
    "o.shipping_address, (SELECT group_concat(oi.quantity || ' x ' || p.name || ' ($' || "
    "printf('%.2f', oi.unit_price) || ')', ', ') FROM order_items oi "
    "JOIN products p ON p.product_id = oi.product_id WHERE oi.order_id = o.order_id) AS items FROM orders o"
)
SPENDING = (
    "SELECT SUM(o.status != 'Cancelled') AS orders, "
    "ROUND(COALESCE(SUM(CASE WHEN o.status != 'Cancelled' THEN o.total_amount END), 0), 2) AS total_spent, "
    "SUM(o.status = 'Cancelled') AS cancelled, ROUND(COALESCE(SUM(o.total_amount), 0), 2) AS total_all, "
    "group_concat(CASE WHEN o.status = 'Cancelled' THEN o.order_id || ' ($' || "
    "printf('%.2f', o.total_amount) || ')' END, ', ') AS cancelled_orders FROM orders o"
)
PRODUCT_SPENDING = (
    "SELECT COUNT(DISTINCT o.order_id) AS orders, ROUND(COALESCE(SUM(oi.quantity * oi.unit_price), 0), 2) "
    "AS total_spent, 0 AS cancelled, 0 AS total_all FROM order_items oi JOIN orders o ON o.order_id = "
    "oi.order_id WHERE o.status != 'Cancelled' AND oi.product_id IN ({ids})"
)
OPEN_FIRST = "CASE WHEN o.status IN ('Processing', 'Shipped') THEN 0 ELSE 1 END, o.order_date DESC"
NEWEST_FIRST = "o.order_date DESC, o.order_id DESC"
STATUS_WORDS = {
    "Cancelled": r"\bcancel+ed\b",
    "Processing": r"\bprocessing\b|\bpending\b|\bopen orders?\b",
    "Shipped": r"\b(?:the|which|what) (?:\w+ )?(?:order|orders|one|ones) (?:\w+ )?(?:was |were |is |are )?"
    r"(?:shipped|on (?:the|its) way|in transit)\b|\b(?:the )?(?:shipped|in transit) (?:one|ones|orders?)\b",
    "Delivered": r"\b(?:the|which|what) (?:\w+ )?(?:order|orders|one|ones) (?:\w+ )?(?:was |were |is |are )?"
    r"delivered\b|\b(?:the )?delivered (?:one|ones|orders?)\b",
}
"""How customers pick orders by status ("the one I cancelled", "my pending order"; the statuses are
the store's own)."""
ORDER_EXTREMES = (
    (r"\b(?:most expensive|biggest|largest|priciest|highest)\b", "o.total_amount DESC"),
    (r"\b(?:cheapest|smallest|least expensive|lowest)\b", "o.total_amount ASC"),
    (r"\b(?:oldest|first|earliest)\b", "o.order_date ASC, o.order_id ASC"),
)
"""Orders picked by an extreme ("my most expensive order", "my first order")."""
ORDER_COMPARISONS = (
    (r"\b(?:bigger|larger|more expensive|pricier)\b", "o.total_amount DESC"),
    (r"\b(?:smaller|cheaper)\b", "o.total_amount ASC"),
    (r"\bolder\b", "o.order_date ASC, o.order_id ASC"),
    (r"\bnewer\b", "o.order_date DESC, o.order_id DESC"),
)
"""One of the orders just listed, picked by comparing them ("what was in the bigger one?")."""
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december")  # fmt: skip


def _money(value: float | int | None) -> str:
    return f"${float(value or 0):,.2f}"


def _day(value: str | None) -> str:
    if not value:
        return ""
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return f"{d:%B} {d.day}, {d.year}"


def _filters(reading: Reading) -> list[str]:
    """SQL conditions for what the request says about its orders: their status, month, products."""
    text = reading.normalized
    conditions = []
    negated = r"(?:n't|not|never|no)\s+(?:\w+\s+)?(?:been\s+|yet\s+)?"
    statuses = [
        status
        for status, pattern in STATUS_WORDS.items()
        if any(not re.search(negated + r"$", text[: m.start()]) for m in re.finditer(pattern, text))
    ]
    if statuses and not reading.action:
        conditions.append("o.status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")")
    months = [f"'{i + 1:02d}'" for i, month in enumerate(MONTHS) if re.search(rf"\b{month}\b", text)]
    if months:
        conditions.append(f"strftime('%m', o.order_date) IN ({', '.join(months)})")
    ids = _product_ids(reading)
    if ids:
        conditions.append(
            "o.order_id IN (SELECT order_id FROM order_items WHERE product_id IN ("
            + ", ".join(str(i) for i in sorted(ids))
            + "))"
        )
    return conditions


BEFORE = re.compile(r"\bplaced before (ORD-\d{4}-\d{4})")
"""The supervisor's way of saying "the order before that one" in a task."""
EXCLUDED = re.compile(r"\bother than (?:orders? )?((?:ORD-\d{4}-\d{4}(?:,? (?:and )?)?)+)")
"""The supervisor's way of saying "the customer's other orders" in a task."""


def _spending_sql(reading: Reading) -> str:
    """What the customer spent, within what the request picks: a month, a status, a product or kind
    ("what did I spend on monitors in March?")."""
    ids = _product_ids(reading)
    conditions = [c for c in _filters(reading) if "order_items" not in c]
    if reading.order_ids:  # "can you add those up?" after a list of orders
        conditions.append("o.order_id IN (" + ", ".join(f"'{oid}'" for oid in reading.order_ids) + ")")
    if ids:
        sql = PRODUCT_SPENDING.format(ids=", ".join(str(i) for i in sorted(ids)))
        return sql + "".join(f" AND {c}" for c in conditions)
    return SPENDING + (f" WHERE {' AND '.join(conditions)}" if conditions else "")


def _product_ids(reading: Reading) -> set[int]:
    catalogue = load_catalogue()
    ids = {p.product_id for p in catalogue.products if p.name in reading.products}
    for group in reading.groups:
        ids |= {p.product_id for p in catalogue.select(group)}
    return ids


def _sql_plan(turn: Turn) -> list[tuple[str, str]]:
    """The queries the request needs, in order, as (purpose, sql)."""
    reading = turn.request
    plan: list[tuple[str, str]] = []
    excluded = EXCLUDED.search(reading.text)
    if excluded:
        others = tuple(re.findall(r"ORD-\d{4}-\d{4}", excluded.group(1)))
        quoted = ", ".join(f"'{oid}'" for oid in others)
        reading = replace(reading, order_ids=tuple(o for o in reading.order_ids if o not in others))
        if not reading.order_ids:
            return [
                (
                    "order_history",
                    f"{ORDERS_WITH_ITEMS} WHERE o.order_id NOT IN ({quoted}) ORDER BY {NEWEST_FIRST}",
                )
            ]
    before = BEFORE.search(reading.text)
    if before:  # "and the one before that?"
        anchor = f"(SELECT order_date FROM orders WHERE order_id = '{before.group(1)}')"
        where = f"o.order_date < {anchor}"
        return [("orders", f"{ORDERS_WITH_ITEMS} WHERE {where} ORDER BY {NEWEST_FIRST} LIMIT 1")]
    if "spending" in reading.intents:
        plan.append(("spending", _spending_sql(reading)))
    if reading.order_ids and len(reading.order_ids) > 1:
        compared = next(
            (order for pattern, order in ORDER_COMPARISONS if re.search(pattern, reading.normalized)), None
        )
        if compared:  # "what was in the bigger one?" among the orders just listed
            quoted = ", ".join(f"'{oid}'" for oid in reading.order_ids)
            plan.append(
                ("orders", f"{ORDERS_WITH_ITEMS} WHERE o.order_id IN ({quoted}) ORDER BY {compared} LIMIT 1")
            )
            return plan
    if reading.order_ids:
        quoted = ", ".join(f"'{oid}'" for oid in reading.order_ids)
        plan.append(("orders", f"{ORDERS_WITH_ITEMS} WHERE o.order_id IN ({quoted}) ORDER BY {NEWEST_FIRST}"))
        return plan
    conditions = _filters(reading)
    extreme = next(
        (order for pattern, order in ORDER_EXTREMES if re.search(pattern, reading.normalized)), None
    )
    if extreme is not None:
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        plan.append(("orders", f"{ORDERS_WITH_ITEMS}{where} ORDER BY {extreme} LIMIT 1"))
    elif conditions:
        where = " AND ".join(conditions)
        plan.append(("orders", f"{ORDERS_WITH_ITEMS} WHERE {where} ORDER BY {NEWEST_FIRST}"))
    elif "order_items" in reading.intents or re.search(
        r"\b(?:last|latest|recent|newest)\b", reading.normalized
    ):
        plan.append(("orders", f"{ORDERS_WITH_ITEMS} ORDER BY {NEWEST_FIRST} LIMIT 1"))
    elif "order_status" in reading.intents or reading.action or reading.complaint:
        plan.append(("order_status", f"{ORDERS_WITH_ITEMS} ORDER BY {OPEN_FIRST} LIMIT 3"))
    elif not plan:
        plan.append(("spending", SPENDING))
        plan.append(("order_history", f"{ORDERS_WITH_ITEMS} ORDER BY {NEWEST_FIRST}"))
    elif "order_history" in reading.intents:
        plan.append(("order_history", f"{ORDERS_WITH_ITEMS} ORDER BY {NEWEST_FIRST}"))
    return plan


def _rows(result: str | None) -> list[dict] | None:
    data = load_json(result)
    if not isinstance(data, dict) or "rows" not in data:
        return None
    columns = data.get("columns") or []
    return [dict(zip(columns, row, strict=False)) for row in data["rows"]]


def _describe_order(row: dict, with_address: bool = False) -> str:
    text = f"Order {row['order_id']}, placed on {_day(row.get('order_date'))}, is currently {row['status']}"
    dates = []
    if row.get("shipped_date"):
        dates.append(f"shipped on {_day(row['shipped_date'])}")
    if row.get("delivered_date"):
        dates.append(f"delivered on {_day(row['delivered_date'])}")
    if dates:
        text += f" ({', '.join(dates)})"
    if row.get("items"):
        text += f": {row['items']}"
    text += f". Order total: {_money(row.get('total_amount'))}."
    if with_address and row.get("shipping_address"):
        text += f" Shipping address: {row['shipping_address']}."
    return text


NO_MATCH = "I couldn't find any matching orders on this customer's account."


def _sql_answer(purpose: str, sql: str, rows: list[dict] | None, error: str | None, address: bool) -> str:
    if rows is None:
        return f"I couldn't read that from the order database ({(error or 'no result').strip()[:200]})."
    if purpose == "spending":
        row = rows[0] if rows else {"orders": 0, "total_spent": 0}
        answer = (
            f"The customer has spent {_money(row['total_spent'])} across {row['orders'] or 0} orders "
            "(cancelled orders not counted)."
        )
        if row.get("cancelled"):  # which ones, and the total with them, since customers count either way
            answer += (
                f" Not counted, since no payment was taken: cancelled order {row.get('cancelled_orders')}."
                f" With the cancelled orders, all orders together total {_money(row.get('total_all'))}."
            )
        return answer
    if not rows:
        wanted = re.findall(r"ORD-\d{4}-\d{4}", sql)
        if wanted:
            return f"I couldn't find order {', '.join(wanted)} on this customer's account."
        return NO_MATCH
    lines = [_describe_order(r, address) for r in rows[:15]]
    more = f"\n(and {len(rows) - 15} more)" if len(rows) > 15 else ""
    if purpose == "order_status":
        return "Most relevant orders, newest open orders first:\n" + "\n".join(f"- {line}" for line in lines)
    if purpose == "recent_orders":
        return "The customer's most recent orders:\n" + "\n".join(f"- {line}" for line in lines)
    if purpose == "order_history":
        return f"The customer has {len(rows)} orders:\n" + "\n".join(f"- {line}" for line in lines) + more
    if len(lines) == 1:
        return lines[0]
    return "\n".join(f"- {line}" for line in lines) + more


def sql_agent(turn: Turn) -> ToolCall | str:
    """Run the planned queries one by one, then summarise what they returned."""
    plan = _sql_plan(turn)
    done = turn.called("run_sql_query")
    filtered = [sql for _, sql in plan if " WHERE " in sql and "IN ('ORD-" not in sql]
    if filtered and len(done) >= len(plan) and all(_rows(s.result) == [] for s in done[: len(plan)]):
        # "the headphones I bought last month" when there are none: show what there is instead
        plan.append(("recent_orders", f"{ORDERS_WITH_ITEMS} ORDER BY {NEWEST_FIRST} LIMIT 5"))
    if len(done) < len(plan) and all(step.result is not None for step in done):
        return ("run_sql_query", {"query": plan[len(done)][1]})
    address = bool(re.search(r"\baddress", turn.request.normalized))
    answers = []
    for (purpose, sql), step in zip(plan, done, strict=False):
        rows = _rows(step.result)
        answers.append(_sql_answer(purpose, sql, rows, None if rows is not None else step.result, address))
    return "\n\n".join(answers)


# --- docs agent -------------------------------------------------------------------------------

_STOP = frozenset(
    "a an the is are was were be to of for in on at and or my me i you your it this that what which how "
    "do does can could would will with about tell please any have has there their they we our us from "
    "much many".split()
)
_CONTACT = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|1-800-[A-Z0-9-]+(?: \(\d-\d{3}-\d{3}-\d{4}\))?", re.IGNORECASE
)


def _keywords(text: str) -> set[str]:
    """The words of a text as the document index sees them (stop words out, light stemming)."""
    return set(tokenize(normalize(text)))


def _query_keywords(text: str) -> set[str]:
    """A question's words, with the policies' words for the everyday ones."""
    return _keywords(expand(normalize(text)))


def _hits(result: str | None) -> list[dict]:
    data = load_json(result)
    return data if isinstance(data, list) else []


def _passages(markdown: str) -> list[tuple[str, str]]:
    """A Markdown document as (section title, passage): paragraphs, bullets and table rows, unformatted."""
    section, passages, paragraph = "", [], []
    in_table, header = False, []

    def flush() -> None:
        if paragraph:
            passages.append((section, " ".join(paragraph)))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.strip().replace("**", "")
        if line.startswith("#"):
            flush()
            section = line.lstrip("# ")
        elif not line or set(line) <= set("|-: "):
            flush()
            in_table = in_table and bool(line)
        elif line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if not in_table:
                in_table, header = True, cells  # the first row of a table is its header
                continue
            labelled = [f"{h.lower()} {c}" if h else c for h, c in zip(header[1:], cells[1:], strict=False)]
            passages.append((section, f"{cells[0]}: " + "; ".join(labelled)))
        elif line.startswith(("- ", "* ")):  # a bullet is a paragraph; indented lines continue it
            flush()
            in_table = False
            paragraph.append(line[2:])
        else:
            paragraph.append(line)
    flush()
    return passages


def _best_passages(text: str, query: str, limit: int = 4, focus: str = "", lead: bool = False) -> list[str]:
    """The passages that share the rarest words with the query (the customer's own ``focus`` words of a
    follow-up count double, section titles half), in document order."""
    keywords, own = _query_keywords(query), _query_keywords(focus)
    passages = _passages(text)
    bodies = [_keywords(body) for _, body in passages]
    rarity = {w: math.log(1 + len(passages) / (1 + sum(w in b for b in bodies))) for w in keywords | own}
    scored = []
    for i, ((title, body), words) in enumerate(zip(passages, bodies, strict=True)):
        score = sum(rarity[w] * (2 if w in own else 1) for w in (keywords | own) & words)
        score += 0.5 * sum(rarity[w] for w in (keywords | own) & _keywords(title))
        scored.append((score, i, body))
    top = max((t[0] for t in scored), default=0.0)
    best = sorted((t for t in scored if t[0] > 0 and t[0] >= top / 2), key=lambda t: (-t[0], t[1]))[:limit]
    if best and lead and all(i > 0 for _, i, _ in best):  # the page's opening sums it up: keep it
        best.append(scored[0])
    chosen = {i for _, i, _ in best}
    sections = [title for title, _ in passages]
    for i in list(chosen):  # a short list ("Extended warranty options": two plans) is answered whole
        siblings = [j for j, title in enumerate(sections) if title == sections[i]]
        if title_is_list(passages, siblings) and len(siblings) <= 3:
            chosen.update(siblings)
    return [passages[i][1] for i in sorted(chosen)]


def title_is_list(passages: list[tuple[str, str]], indexes: list[int]) -> bool:
    """Whether these passages are the items of one section with a title of its own (not the intro)."""
    return bool(indexes) and bool(passages[indexes[0]][0]) and len(indexes) > 1


def contact_details(text: str) -> list[str]:
    """Support email addresses and phone numbers quoted in a text, in order, without repeats."""
    return list(dict.fromkeys(m.group(0) for m in _CONTACT.finditer(text)))


@lru_cache(maxsize=1)
def store_contacts() -> tuple[str, ...]:
    """The support contacts the store's pages give, for a reply that read no page this turn: a
    customer told to contact support is always told how."""
    pages = sorted(load_documents(), key=lambda d: "contact" not in d.doc_id)
    return tuple(contact_details("\n".join(d.text for d in pages)))


SPEC_WORDS = {
    "weight": "weight weigh weighs heavy heavier light lighter kg kilo kilos kilograms grams pounds lbs",
    "battery": "battery charge charging lasts last hours life",
    "screen": "screen display resolution size inch inches hz refresh panel colour color colours accurate",
    "ports": "port ports usb hdmi thunderbolt displayport ethernet",
    "connectivity": "bluetooth wifi wi-fi wireless connect connected connection pair multipoint",
    "noise_cancelling": "noise cancelling anc quiet",
    "water_resistance": "water waterproof sweat rain ip67 ipx5 swim",
    "ram": "ram memory",
    "storage": "storage ssd space",
    "cpu": "cpu processor chip",
    "gpu": "gpu graphics",
    "output": "loud loudness volume watts power sound",
    "calibration": "colour color colours colors accurate accuracy calibrated",
    "switches": "switch keys clicky tactile typing",
    "power_delivery": "charge charging charges watts power",
    "displays": "monitors screens displays",
    "capacity": "capacity mah charges big",
    "sensor": "dpi sensor precision",
}
"""Everyday words for the catalogue's spec names (other specs match by their own name)."""


def _asked_specs(question: str, specs: dict) -> dict:
    words = set(re.findall(r"[a-z0-9-]+", normalize(question)))
    chosen = {}
    for key, value in specs.items():
        names = set(key.replace("_", " ").split()) | set(SPEC_WORDS.get(key, "").split())
        if words & names:
            chosen[key] = value
    return chosen


def _product_answer(reading: Reading, question: str, product: dict, page: str) -> str:
    """Price and stock from the live catalogue, then what was asked: the specs named, compatibility,
    or the product's description and the page's passages closest to the question."""
    intents = reading.intents
    name = product["name"]
    parts = [f"The {name} costs {_money(product['price'])} and is {_stock_note(product)}."]
    if "compatibility" in intents:
        section = [body for title, body in _passages(page) if title.lower().startswith("compatib")]
        parts.append(f"Compatibility: {' '.join(section)}" if section else "")
    specs = product.get("specs") or {}
    asked = _asked_specs(question, specs) if isinstance(specs, dict) else {}
    if asked:
        parts.append("; ".join(f"{k.replace('_', ' ').capitalize()}: {v}" for k, v in asked.items()) + ".")
    elif not intents & {"price", "stock", "compatibility"} or "product_info" in intents:
        parts.append(str(product.get("description") or ""))
        said = " ".join(parts).lower()
        about = re.sub("|".join(re.escape(w) for w in name.lower().split()), " ", question.lower())
        extra = [p for p in _best_passages(page, about, limit=3) if p.lower() not in said and name not in p]
        parts.extend(p if p.endswith(".") else p + "." for p in extra)
        if isinstance(specs, dict) and specs and ("specs" in intents or _unanswered(question, name, parts)):
            parts.append("Specs: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in specs.items()) + ".")
    return " ".join(p for p in parts if p)


def _unanswered(question: str, name: str, parts: list[str]) -> bool:
    """Whether the question asks about something the answer so far does not mention: then the full
    specs go with it (a question the spec names did not catch, "how big is the battery pack?")."""
    asked = _keywords(re.sub(re.escape(name), " ", question, flags=re.IGNORECASE)) - _keywords(name)
    said = _keywords(" ".join(parts))
    return bool(asked - said - _keywords("price cost stock available tell more about info"))


def _stock_note(product: dict) -> str:
    stock = int(product.get("stock") or 0)
    return f"{stock} in stock" if stock > 0 else "currently out of stock"


SUPERLATIVES = {
    ("price", False): "cheapest",
    ("price", True): "most expensive",
    ("weight", False): "lightest",
    ("weight", True): "heaviest",
    ("battery", True): "longest-lasting",
    ("battery", False): "shortest-lasting",
    ("screen", True): "biggest-screen",
    ("screen", False): "smallest-screen",
    ("refresh", True): "fastest (highest refresh rate)",
    ("refresh", False): "slowest",
    ("storage", True): "most-storage",
    ("storage", False): "least-storage",
    ("ram", True): "most-memory",
    ("ram", False): "least-memory",
    ("stock", True): "best-stocked",
    ("stock", False): "least-stocked",
}
_FIGURE_SPEC = {"weight": "weight", "battery": "battery", "screen": "screen", "refresh": "screen"}


def _listings(reading: Reading) -> list[Ranking]:
    """The rankings a question asks for ("the cheapest laptop"), one per kind it names; or, for "do you
    sell webcams?", each kind listed by price. None when it names a product: that product is the answer."""
    ranking = reading.ranking
    if ranking is not None and len(reading.products) >= 2:  # "which is lighter, the aerobook or the slate?"
        return [replace(ranking, group="")]
    if ranking is not None and not ranking.group and not reading.products and ranking.superlative:
        return [ranking]  # "the cheapest thing you sell": the whole catalogue
    if ranking is not None and ranking.group and (ranking.superlative or not reading.products):
        groups = reading.groups or (ranking.group,)
        return [replace(ranking, group=g) for g in groups]
    only_the_kind = not reading.products and not (
        reading.intents & (POLICY_INTENTS | {"specs", "compatibility"})
    )
    if reading.groups and only_the_kind:
        return [Ranking(g, "price", superlative=False) for g in reading.groups]
    if reading.brands and only_the_kind:  # "anything from Sonique?"
        return [Ranking(b, "price", superlative=False) for b in reading.brands]
    if reading.groups and not reading.products and not reading.intents & POLICY_INTENTS:
        return [Ranking(g, "price", superlative=False) for g in reading.groups]  # with the specs asked
    return []


SITUATION_SCORE = 8.0
"""How well (BM25) a product page must match a need told as a situation to be the answer."""
SITUATION_MARGIN = 1.15
"""...and by how much it must beat the next page, so a vague situation still gets the listing."""


def situational_product(reading: Reading) -> str | None:
    """The product a need told as a situation calls for ("my neck is sore from hunching over my
    laptop": a laptop stand), when the only kinds it names are things the customer already owns and
    it asks nothing about them (no price, stock, spec or ranking): the best-matching product page,
    if it clearly stands out; else None, and the kinds it names are listed as usual."""
    if reading.ranking or reading.products or reading.intents & {"price", "stock", "specs", "compatibility"}:
        return None
    owned = {w for words in re.findall(r"\bmy ((?:\w+ ){0,2}\w+)", reading.normalized) for w in words.split()}
    if not reading.groups or not all(owned & set(KINDS.get(group, ())) for group in reading.groups):
        return None
    hits = search_documents(expand(reading.normalized), k=2)
    if not hits or hits[0].document.kind != "product" or hits[0].score < SITUATION_SCORE:
        return None
    if len(hits) > 1 and hits[0].score < SITUATION_MARGIN * hits[1].score:
        return None
    return hits[0].document.title


def _ranking_answer(
    ranking: Ranking, result: str | None, question: str = "", only: tuple[str, ...] = ()
) -> str:
    data = load_json(result)
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        return f"I couldn't rank our {ranking.group} products ({(result or 'no result').strip()[:200]})."
    products = data["products"]
    if only:  # compare just the products the customer named
        products = [p for p in products if p["name"] in only]
    group = plural(ranking.group) or "products"
    if not products:
        budget = f" within {_money(ranking.max_price)}" if ranking.max_price is not None else ""
        return f"We have no {group}{budget} in stock right now."

    def line(p: dict) -> str:
        specs = p.get("specs", {})
        shown = {_FIGURE_SPEC.get(ranking.sort_by, ranking.sort_by): ""} | _asked_specs(question, specs)
        extra = "".join(f", {k.replace('_', ' ')}: {specs[k]}" for k in shown if specs.get(k))
        return f"{p['name']} ({_money(p['price'])}{extra}, {_stock_note(p)})"

    if not ranking.superlative:
        lines = "; ".join(line(p) for p in products)
        if ranking.max_price is not None:
            return f"Our {group} within {_money(ranking.max_price)}, dearest first: {lines}."
        if ranking.in_stock_only:
            return f"These {group} are in stock: {lines}."
        return f"Our {group} range, cheapest first: {lines}."
    best = products[0]
    words = SUPERLATIVES[(ranking.sort_by, ranking.descending)]
    answer = f"The {words} of our {group} is the {line(best)}."
    if only:
        answer = f"Of the {len(products)} you named, the {words} is the {line(best)}."
    if int(best.get("stock") or 0) <= 0 and not ranking.in_stock_only:
        available = next((p for p in products[1:] if int(p.get("stock") or 0) > 0), None)
        if available:
            answer += f" The {words} one in stock is the {line(available)}."
    if len(products) > 1:
        answer += " All of them, in order: " + "; ".join(line(p) for p in products) + "."
    return answer


PROBLEM_WORDS = re.compile(
    r"\b(?:cancel\w*|change\w*|swap\w*|return\w*|refund\w*|exchang\w*|address|broken|damaged|crack\w*|"
    r"lost|problem|wrong|claim|repair\w*|fault\w*|dead|defect\w*|contact|support|email|phone|call)\b"
)
"""A question that ends with "what do I do": it gets the support contact the policy gives."""


def _customer_words(question: str) -> tuple[str, str]:
    """(the whole question, the customer's own words without the follow-up's "(about ...)" context)."""
    question = re.sub(
        r"^(?:Customer (?:question|request)|Cancellation and order changes policy, and support "
        r"contact email and phone, for): ",
        "",
        question.strip(),
    )
    own = re.sub(r"\s*\(about [^)]*\)\s*$", "", question)
    return question, own


POLICY_TITLES = {
    "returns_policy": "return",
    "warranty_policy": "warrant",
    "cancellation_policy": "cancel",
    "shipping_policy": "shipping",
    "contact": "contact",
}
"""Which policy page an intent is about, by a word of the page's own title."""


POLICY_QUERIES = {
    "return": "returns and refunds policy",
    "warrant": "warranty policy",
    "cancel": "order changes and cancellation policy",
    "shipping": "shipping policy",
    "contact": "contacting support email phone number hours",
}
"""A search for a policy page by its own title, when the customer's words did not find it."""


def _wanted_title(reading: Reading) -> str | None:
    """The title word of the policy page the question is most specifically about, if any."""
    for intent, title in POLICY_TITLES.items():  # the broad shipping words last
        if intent in reading.intents:
            return title
    return None


def _best_policy(
    reading: Reading, question: str, own: str, hits: list[dict]
) -> tuple[dict | None, list[str]]:
    """The policy page (and its passages) that answers best: the most and rarest shared words, with a
    bonus for the page the question's intent names."""
    wanted = _wanted_title(reading)
    best: tuple[float, dict | None, list[str]] = (0.0, None, [])
    for hit in (h for h in hits if h.get("kind") == "policy"):
        passages = _best_passages(
            hit.get("text", ""), question, focus=own if own != question else "", lead=True
        )
        shared = _keywords(" ".join(passages)) & (_keywords(question) | _keywords(own))
        score = len(shared) + (100.0 if wanted and wanted in hit.get("title", "").lower() else 0.0)
        if best[1] is None or score > best[0]:
            best = (score, hit, passages)
    return best[1], best[2]


PAYMENT_METHOD = re.compile(
    r"\b(?:paypal|apple pay|google pay|klarna|afterpay|affirm|venmo|credit cards?|debit cards?|amex|visa|"
    r"mastercard|instal+ments?|gift cards?|coupons?|promo codes?|vouchers?|crypto\w*|bitcoin|cash|cheques?|"
    r"financing|pay later|pay in \w+)\b"
)
"""Ways to pay: a question about one is answered only by a page that names it."""

SUPPORT_ARRANGED = re.compile(r"\b(?:returns?|warranty|cancell?ation)\b", re.IGNORECASE)
"""Policy pages whose process runs through the support team: their answers give its contact."""


def _contact_answer(page: str, contacts: list[str]) -> str:
    """The support page's own contact lines (email with reply time, phone, hours)."""
    lines = [body for _, body in _passages(page) if re.match(r"(?:email|phone|hours)\b", body, re.IGNORECASE)]
    return (
        "You can reach TechHub support: "
        + " ".join(line if line.endswith(".") else line + "." for line in lines)
        if lines
        else "You can reach TechHub support at " + " or ".join(contacts[:2]) + "."
    )


def _policy_answer(reading: Reading, question: str, own: str, hits: list[dict]) -> str:
    """The passages of the best policy page that answer the question, with the support contact when the
    question calls for it; or an honest "the policies don't say" with the contact."""
    contacts = contact_details("\n".join(h.get("text", "") for h in hits))
    top, passages = _best_policy(reading, question, own, hits)
    if top is None and hits:
        top = hits[0]
        passages = _best_passages(top.get("text", ""), question)
    if top is None:
        return "I couldn't find anything about that in TechHub's product pages or policies."
    if "contact" in reading.intents and "contact" in top.get("title", "").lower() and not reading.action:
        return _contact_answer(top.get("text", ""), contacts)
    answer = " ".join(p if p.endswith((".", "!", "?")) else p.rstrip(",;: ") + "." for p in passages)
    method = PAYMENT_METHOD.search(reading.normalized)
    if method and not any(method.group(0) in h.get("text", "").lower() for h in hits):
        # "can I pay with paypal?": no page names it, so no page answers it (but the rest of the message)
        where = " or ".join(contacts[:2]) if contacts else "our support team"
        note = f"Our pages don't say whether we take {method.group(0)}; our support team can tell you: "
        note += f"{where}."
        rest = " ".join(c for c in clauses(question) if not PAYMENT_METHOD.search(normalize(c)))
        return note + ("\n\n" + _policy_answer(read_message(rest), rest, rest, hits) if rest.strip() else "")
    if not answer:
        where = " or ".join(contacts[:2]) if contacts else "our support team"
        return (
            f"Our product pages and policies don't say more about that. Our support team can help: {where}."
        )
    wants_contact = (
        "contact" in reading.intents
        or reading.action
        or PROBLEM_WORDS.search(reading.normalized)
        or SUPPORT_ARRANGED.search(top.get("title", ""))  # returns, warranty, cancellation: via support
    )
    if contacts and wants_contact and not all(c in answer for c in contacts[:2]):
        answer += " Support contact: " + " or ".join(contacts[:2]) + "."
    return f"From our {top['title']} page: {answer}"


def _not_in_catalogue(reading: Reading) -> str:
    """What a product question gets when no product of ours fits it."""
    asked = foreign_subjects(reading.normalized)
    what = f"any {asked[-1]}" if asked else "a product like that"
    categories = ", ".join(load_catalogue().categories)
    return (
        f"I couldn't find {what} in our catalogue. TechHub sells {categories}: "
        "can I help you find something there?"
    )


def docs_agent(turn: Turn) -> ToolCall | str:
    """Rank kinds of products from the catalogue; or search, fetch each named product's live details,
    and answer from them and from the policy the question also asks about."""
    question, own = _customer_words(turn.request.text)
    reading = read_message(question)
    situational = situational_product(reading)
    listings = [] if situational else _listings(reading)
    ranked = turn.called("find_products")
    if len(ranked) < len(listings):
        listing = listings[len(ranked)]
        args = {
            "kind_or_category": listing.group,
            "sort_by": listing.sort_by,
            "descending": listing.descending,
            "in_stock_only": listing.in_stock_only,
        }
        if listing.max_price is not None:
            args["max_price"] = listing.max_price
        return ("find_products", args)
    searches = turn.called("search_documents")
    if not searches:
        return ("search_documents", {"query": expand(normalize(question))[:500]})
    hits = [hit for step in searches for hit in _hits(step.result)]
    wanted = _wanted_title(reading)
    if (
        wanted is None
        and not any(h.get("kind") == "policy" for h in hits)
        and (reading.topic == "policies" or not hits)
    ):
        wanted = "contact"  # nothing in the policies: the support page says who can tell
    if (
        wanted
        and len(searches) < 2
        and not any(h.get("kind") == "policy" and wanted in h.get("title", "").lower() for h in hits)
    ):
        return ("search_documents", {"query": POLICY_QUERIES[wanted]})
    products = list(reading.products[:3]) or ([situational] if situational else [])
    if not products and not listings and reading.topic == "products":
        products = [h["title"] for h in hits[:1] if h.get("kind") == "product" and h.get("score", 0) >= 3.0]
        if not products:
            return _not_in_catalogue(reading)
    details = turn.called("get_product_details")
    if len(details) < len(products):
        return ("get_product_details", {"product_name": products[len(details)]})
    parts = [
        _ranking_answer(listing, step.result, question, reading.products if len(reading.products) > 1 else ())
        for listing, step in zip(listings, ranked, strict=False)
    ]
    if listings and len(reading.products) > 1 and reading.ranking is not None:
        return "\n\n".join(parts)  # the comparison is the answer
    for step in details:
        product = load_json(step.result)
        if isinstance(product, dict) and product.get("name"):
            page = next((h.get("text", "") for h in hits if h.get("title") == product["name"]), "")
            parts.append(_product_answer(reading, question, product, page))
    asks_policy = bool(reading.intents & POLICY_INTENTS or reading.action)
    if not parts or (asks_policy and any(h.get("kind") == "policy" for h in hits)):
        catalogue = {p.name: p for p in load_catalogue().products}
        kinds = " ".join(catalogue[n].kind or "" for n in reading.products if n in catalogue)
        # "can I return the pebble buds opened?": the policy speaks of earbuds, not of the product's name
        parts.append(_policy_answer(reading, f"{question} {kinds}".strip(), f"{own} {kinds}".strip(), hits))
    return "\n\n".join(p for p in parts if p)
