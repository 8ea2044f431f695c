"""What readers did, for editors: ``python -m bot report [--since 30d] [--html DIR]``.

Per topic and language: views (commands, buttons, routed answers, digest reads), "did
this answer your question?" yes / no, quick checks right on the first try, "not sure"
counts and rates, the unanswered questions (masked; near-identical ones grouped),
and a trend per week. As text, and as one self-contained HTML file (inline CSS, bars as
plain elements: no script, nothing fetched), like the lint report.

Everything here is counts and masked texts: the tables hold no chat or user id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html import escape
from pathlib import Path

from rapidfuzz import fuzz

from bot.knowledge.catalog import Catalog
from bot.storage.database import Database, hour_of

#: Views, in the order the report shows them.
VIEW_KINDS = ("view_command", "view_button", "view_routed", "digest_read")
#: The file ``--html DIR`` writes.
HTML_NAME = "index.html"
#: Unanswered question groups shown, and the distinct questions read to make them.
TOP_UNANSWERED = 20
READ_UNANSWERED = 500
#: Two questions this similar (rapidfuzz's ratio, 0-100) are one group: typos, punctuation.
SIMILAR = 88


def group_questions(
    questions: list[tuple[str, int]], limit: int = TOP_UNANSWERED
) -> list[tuple[str, int]]:
    """Near-identical questions as one, under the most asked wording, with their summed
    count ("is it safe?" and "is it safe" and "is it saef"), most asked first."""
    wordings: list[str] = []
    totals: list[int] = []
    for question, n in questions:  # most asked first: the first wording names the group
        for index, wording in enumerate(wordings):
            if fuzz.ratio(question, wording) >= SIMILAR:
                totals[index] += n
                break
        else:
            wordings.append(question)
            totals.append(n)
    ranked = sorted(zip(wordings, totals, strict=True), key=lambda g: (-g[1], g[0]))
    return ranked[:limit]


_SINCE = re.compile(r"^\s*(\d{1,5})\s*([hdw])\s*$")
_UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str) -> timedelta:
    """``30d``, ``12w``, ``48h`` as a duration; ``ValueError`` with an example otherwise."""
    found = _SINCE.match(text.lower())
    if found is None or int(found.group(1)) == 0:
        raise ValueError(f"--since must be a number and h, d or w, like 30d, not {text!r}")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


@dataclass
class TopicRow:
    """One topic in one language: its counts by event kind."""

    topic: str
    language: str
    title: str
    counts: dict[str, int] = field(default_factory=dict)

    def n(self, kind: str) -> int:
        return self.counts.get(kind, 0)

    @property
    def views(self) -> int:
        return sum(self.n(k) for k in VIEW_KINDS)


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    rows: list[TopicRow]
    #: Language -> typed questions the bot was not sure about.
    not_sure: dict[str, int]
    #: (masked question, times), most asked first (not sure, or "No, it did not help").
    unanswered: list[tuple[str, int]]
    #: (Monday of the week, kind) -> count.
    weeks: dict[tuple[date, str], int]

    def total(self, kind: str) -> int:
        if kind == "not_sure":
            return sum(self.not_sure.values())
        return sum(r.n(kind) for r in self.rows)

    @property
    def views(self) -> int:
        return sum(r.views for r in self.rows)

    def not_sure_rate(self, language: str | None = None) -> float | None:
        """Of the typed questions that got a topic or a "not sure", the share not sure."""
        routed = sum(
            r.n("view_routed") for r in self.rows if language is None or r.language == language
        )
        unsure = self.total("not_sure") if language is None else self.not_sure.get(language, 0)
        asked = routed + unsure
        return None if asked == 0 else unsure / asked

    def week_list(self) -> list[tuple[date, dict[str, int]]]:
        by_week: dict[date, dict[str, int]] = {}
        for (monday, kind), n in self.weeks.items():
            by_week.setdefault(monday, {})[kind] = by_week.setdefault(monday, {}).get(kind, 0) + n
        return sorted(by_week.items())


def collect(database: Database, catalog: Catalog, now: datetime, since: timedelta) -> Report:
    """Read the totals since ``now - since`` (the hours from there on) and name the topics."""
    start = hour_of(now - since)
    rows: dict[tuple[str, str], TopicRow] = {}
    not_sure: dict[str, int] = {}
    for total in database.event_totals(start):
        if total.kind == "not_sure" or not total.topic:
            if total.kind == "not_sure":
                not_sure[total.language] = not_sure.get(total.language, 0) + total.total
            continue
        key = (total.topic, total.language)
        if key not in rows:
            rows[key] = TopicRow(total.topic, total.language, _title(catalog, *key))
        rows[key].counts[total.kind] = rows[key].counts.get(total.kind, 0) + total.total
    order = {t.key: i for i, t in enumerate(catalog.topics)}
    ranked = sorted(
        rows.values(), key=lambda r: (order.get(r.topic, len(order)), r.topic, r.language)
    )
    return Report(
        since=start,
        until=now,
        rows=ranked,
        not_sure=not_sure,
        unanswered=group_questions(database.top_unsure(READ_UNANSWERED)),
        weeks=database.weekly_events(start),
    )


def _title(catalog: Catalog, topic: str, language: str) -> str:
    if language in catalog.languages:
        found = catalog.in_language(language).by_key(topic)
        if found is not None:
            return found.title
    return topic  # a topic removed since, or a language no longer served


def headline(report: Report) -> dict[str, int]:
    """The figures /stats shows admins."""
    return {
        "views": report.views,
        "yes": report.total("helpful_yes"),
        "no": report.total("helpful_no"),
        "right_first": report.total("check_right_first"),
        "not_sure": report.total("not_sure"),
    }


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _helpful(row: TopicRow) -> float | None:
    asked = row.n("helpful_yes") + row.n("helpful_no")
    return None if asked == 0 else row.n("helpful_yes") / asked


# --- text ----------------------------------------------------------------------------------


def render_text(report: Report) -> str:
    lines = [
        f"Reader report {report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC "
        "(counts only, no chat or user ids)",
        "",
        f"{'topic':<16} {'lang':<4} {'views':>6} {'cmd':>5} {'btn':>5} {'typed':>5} "
        f"{'digest':>6} {'yes':>5} {'no':>5} {'helpful':>7} {'check':>5}",
    ]
    for r in report.rows:
        lines.append(
            f"{r.topic[:16]:<16} {r.language:<4} {r.views:>6} {r.n('view_command'):>5} "
            f"{r.n('view_button'):>5} {r.n('view_routed'):>5} {r.n('digest_read'):>6} "
            f"{r.n('helpful_yes'):>5} {r.n('helpful_no'):>5} {_percent(_helpful(r)):>7} "
            f"{r.n('check_right_first'):>5}"
        )
    if not report.rows:
        lines.append("(no reader events yet)")
    h = headline(report)
    lines += [
        "",
        f"Total: {h['views']} views, answered my question {h['yes']} yes / {h['no']} no, "
        f"{h['right_first']} quick checks right first try, {h['not_sure']} not sure "
        f"({_percent(report.not_sure_rate())} of typed questions)",
    ]
    for language in sorted(report.not_sure):
        lines.append(
            f"  not sure in {language}: {report.not_sure[language]} "
            f"({_percent(report.not_sure_rate(language))})"
        )
    lines += ["", "Unanswered questions (masked; most asked first):"]
    lines += [f"  {n:>4} × {q}" for q, n in report.unanswered] or ["  none"]
    lines += ["", "Per week (Monday, UTC): views, yes, no, not sure"]
    for monday, kinds in report.week_list():
        views = sum(kinds.get(k, 0) for k in VIEW_KINDS)
        lines.append(
            f"  {monday:%Y-%m-%d}  {views:>6} {kinds.get('helpful_yes', 0):>5} "
            f"{kinds.get('helpful_no', 0):>5} {kinds.get('not_sure', 0):>5}"
        )
    if not report.weeks:
        lines.append("  none")
    return "\n".join(lines) + "\n"


# --- HTML ----------------------------------------------------------------------------------

_CSS = """
:root { --muted: #5f6368; --line: #e3e3e3; --views: #0b57d0; --yes: #2e7d32; --no: #c62828;
  --unsure: #b26a00; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; margin: 0 auto; padding: 1.5rem; max-width: 72rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
.muted { color: var(--muted); }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { border: 1px solid var(--line); border-radius: .5rem; padding: .6rem .9rem;
  min-width: 9rem; }
.card b { display: block; font-size: 1.5rem; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .4rem .5rem; border-bottom: 1px solid var(--line); text-align: left; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: inline-block; height: .8rem; vertical-align: middle; border-radius: 2px; }
.bar.views { background: var(--views); } .bar.yes { background: var(--yes); }
.bar.no { background: var(--no); } .bar.unsure { background: var(--unsure); }
.split { display: flex; width: 10rem; height: .8rem; background: var(--line); border-radius: 2px;
  overflow: hidden; }
.legend span { margin-right: 1rem; }
"""


def _bar(kind: str, value: int, scale: int, width_rem: float = 12.0) -> str:
    width = 0.0 if scale <= 0 else width_rem * value / scale
    return f'<span class="bar {kind}" style="width:{width:.2f}rem" title="{value}"></span>'


def _split(yes: int, no: int) -> str:
    asked = yes + no
    if asked == 0:
        return '<span class="muted">–</span>'
    left = 100 * yes / asked
    return (
        f'<div class="split" role="img" aria-label="{yes} yes, {no} no">'
        f'<span class="bar yes" style="width:{left:.1f}%"></span>'
        f'<span class="bar no" style="width:{100 - left:.1f}%"></span></div>'
    )


def render_html(report: Report) -> str:
    h = headline(report)
    cards = "".join(
        f'<div class="card" data-figure="{key}"><b>{value}</b>{escape(label)}</div>'
        for key, value, label in (
            ("views", h["views"], "explainers read"),
            ("yes", h["yes"], "answered my question: yes"),
            ("no", h["no"], "answered my question: no"),
            ("right_first", h["right_first"], "quick checks right first try"),
            ("not_sure", h["not_sure"], f"not sure ({_percent(report.not_sure_rate())})"),
        )
    )
    scale = max((r.views for r in report.rows), default=0)
    rows = (
        "".join(
            f'<tr data-topic="{escape(r.topic)}" data-language="{escape(r.language)}">'
            f'<td>{escape(r.title)}<br><span class="muted">{escape(r.topic)}</span></td>'
            f"<td>{escape(r.language)}</td>"
            f'<td class="num" data-kind="views">{r.views}</td>'
            f"<td>{_bar('views', r.views, scale)}</td>"
            + "".join(
                f'<td class="num" data-kind="{k}">{r.n(k)}</td>'
                for k in (*VIEW_KINDS, "helpful_yes", "helpful_no", "check_right_first")
            )
            + f"<td>{_split(r.n('helpful_yes'), r.n('helpful_no'))}</td></tr>"
            for r in report.rows
        )
        or '<tr><td colspan="12" class="muted">No reader events yet.</td></tr>'
    )
    heads = "".join(
        f"<th>{escape(t)}</th>"
        for t in (
            "topic",
            "lang",
            "views",
            "",
            "commands",
            "buttons",
            "typed",
            "digest",
            "yes",
            "no",
            "check right",
            "yes / no",
        )
    )
    top = max((n for _, n in report.unanswered), default=0)
    questions = (
        "".join(
            f'<tr><td class="num">{n}</td><td>{_bar("unsure", n, top, 8)}</td>'
            f"<td>{escape(q)}</td></tr>"
            for q, n in report.unanswered
        )
        or '<tr><td colspan="3" class="muted">None.</td></tr>'
    )
    weeks = report.week_list()
    week_scale = max(
        (max(sum(k.get(v, 0) for v in VIEW_KINDS), k.get("not_sure", 0)) for _, k in weeks),
        default=0,
    )
    week_rows = (
        "".join(
            f'<tr data-week="{monday:%Y-%m-%d}"><td>{monday:%Y-%m-%d}</td>'
            f'<td class="num">{(v := sum(k.get(x, 0) for x in VIEW_KINDS))}</td>'
            f"<td>{_bar('views', v, week_scale)}</td>"
            f'<td class="num">{k.get("helpful_yes", 0)}</td>'
            f'<td class="num">{k.get("helpful_no", 0)}</td>'
            f"<td>{_split(k.get('helpful_yes', 0), k.get('helpful_no', 0))}</td>"
            f'<td class="num">{k.get("not_sure", 0)}</td>'
            f"<td>{_bar('unsure', k.get('not_sure', 0), week_scale)}</td></tr>"
            for monday, k in weeks
        )
        or '<tr><td colspan="8" class="muted">None.</td></tr>'
    )
    languages = (
        ", ".join(
            f"{escape(lang)} {n} ({_percent(report.not_sure_rate(lang))})"
            for lang, n in sorted(report.not_sure.items())
        )
        or "none"
    )
    title = "Reader report"
    body = (
        f"<h1>{title}</h1>"
        f'<p class="muted">{report.since:%Y-%m-%d %H:%M} to {report.until:%Y-%m-%d %H:%M} UTC. '
        "Counts and masked question texts only: no chat or user id is stored.</p>"
        f'<div class="cards">{cards}</div>'
        f"<h2>Per topic and language</h2><table><thead><tr>{heads}</tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        f"<h2>Not sure, by language</h2><p>{languages}</p>"
        "<h2>Unanswered questions</h2>"
        '<p class="muted">Not sure, or "No, it did not answer my question"; masked; '
        "near-identical wordings grouped; most asked first.</p>"
        f"<table><tbody>{questions}</tbody></table>"
        "<h2>Per week</h2>"
        '<p class="legend muted"><span>views</span><span>yes / no</span><span>not sure</span></p>'
        "<table><thead><tr><th>week of</th><th>views</th><th></th><th>yes</th><th>no</th>"
        "<th>yes / no</th><th>not sure</th><th></th></tr></thead>"
        f"<tbody>{week_rows}</tbody></table>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write_html(report: Report, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / HTML_NAME
    path.write_text(render_html(report), encoding="utf-8")
    return path
