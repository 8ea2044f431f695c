"""A static readability report in HTML: ``python -m bot lint --html DIR``.

The text output names a line and a rule; editors also want to *see* which sentences are
hard, which words are jargon and where each quote sits in the article, as the Hemingway
editor shows them. The report is a folder of plain HTML files with inline CSS, no
JavaScript and nothing fetched from the network, so it opens offline from disk, can be
mailed or kept as a CI artifact, and content (which may hold ``<script>``) is escaped
everywhere.

Pages: ``index.html`` (every file's grade and SMOG against the targets, finding counts),
one page per explainer (its lines with a gutter, shaded sentences, jargon notes, findings
beside their line, its sources linked into the article) and ``source.html`` (the seed
article(s), each quoted passage highlighted and anchored).
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from itertools import pairwise
from pathlib import Path

from bot.lint.config import LintConfig
from bot.lint.document import LintDoc, Seeds, formulas
from bot.lint.findings import FileReport, Finding, LintReport
from bot.lint.rules.reading import sentence_level
from bot.lint.rules.style import explained_at, explanations, jargon_pattern
from bot.lint.scores import FORMULAS
from bot.text.content import language_of_folder
from bot.text.markdown import Block
from bot.text.normalise import normalise_quote
from bot.text.plaintext import Sentence, block_plain_text, split_sentences, words

INDEX = "index.html"
SOURCE_PAGE = "source.html"

_CSS = """
:root { --hard: #fff2a8; --very-hard: #f7b7b0; --ok: #2e7d32; --over: #c62828;
  --muted: #5f6368; --line: #e3e3e3; --quote: #d7ecff; --target: #1a1a1a; }
* { box-sizing: border-box; }
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #1a1a1a; margin: 0 auto; padding: 1.5rem; max-width: 80rem; background: #fff; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.2rem; margin: 1.75rem 0 .5rem; }
a { color: #0b57d0; }
.muted, .hint { color: var(--muted); }
.summary { margin: .25rem 0 1rem; }
table.overview { border-collapse: collapse; width: 100%; }
table.overview th, table.overview td { padding: .5rem .6rem; border-bottom: 1px solid var(--line);
  text-align: left; vertical-align: middle; }
table.overview th { font-size: .85rem; color: var(--muted); font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.count-error { color: var(--over); font-weight: 700; }
.metric { display: flex; align-items: center; gap: .6rem; min-width: 16rem; }
.bar { position: relative; flex: 1; height: 1.1rem; background: #f1f3f4; border-radius: 3px; }
.fill { position: absolute; left: 0; top: 0; bottom: 0; border-radius: 3px; }
.fill.ok { background: var(--ok); } .fill.over { background: var(--over); }
.target { position: absolute; top: -.3rem; bottom: -.3rem; width: 0;
  border-left: 2px dashed var(--target); }
.value { font-weight: 700; font-variant-numeric: tabular-nums; min-width: 2.5rem; }
.value.over { color: var(--over); }
.broken td { background: #fdecea; }
.finding { margin: .15rem 0; font-size: .9rem; }
.sev { display: inline-block; font-size: .75rem; font-weight: 700; padding: 0 .35rem;
  border-radius: 3px; color: #fff; text-transform: uppercase; letter-spacing: .02em; }
.sev.error { background: var(--over); } .sev.warning { background: #b26a00; }
.rule { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .8rem; }
.legend span { margin-right: 1rem; }
table.lines { border-collapse: collapse; width: 100%; table-layout: fixed; }
table.lines td { vertical-align: top; padding: .1rem .5rem; border-bottom: 1px solid #f4f4f4; }
td.ln { width: 3.5rem; text-align: right; color: var(--muted);
  font: .85rem/1.7 ui-monospace, Menlo, Consolas, monospace; user-select: none; }
td.ln a { color: inherit; text-decoration: none; }
td.text { white-space: pre-wrap; overflow-wrap: anywhere; }
td.notes { width: 40%; }
tr.meta td.text { color: var(--muted); font-size: .9rem; }
tr.has-finding td.ln { background: #fdecea; color: var(--over); font-weight: 700; }
tr:target td { background: #e8f0fe; }
.s.hard { background: var(--hard); }
.s.very-hard { background: var(--very-hard); }
.jargon { text-decoration: underline dotted #6a1b9a 2px; text-underline-offset: 3px; }
.jargon.unexplained { text-decoration-style: wavy; text-decoration-color: var(--over); }
.note { font-size: .8rem; color: #6a1b9a; background: #f3e5f5; border-radius: 3px;
  padding: 0 .25rem; margin-left: .15rem; white-space: normal; }
ul.sources li { margin: .35rem 0; }
.missing { color: var(--over); font-weight: 600; }
.article { white-space: pre-wrap; font-size: 1.05rem; line-height: 1.7; max-width: 48rem; }
mark.quote { background: var(--quote); border-bottom: 2px solid #5b9bd5; }
a.anchor:target::before { content: "\\25B6"; color: #e65100; margin-right: .2rem; }
nav { margin-bottom: 1rem; }
details { margin-top: 1.5rem; }
summary { cursor: pointer; }
"""


@dataclass(frozen=True, slots=True)
class Mark:
    """A shaded range on one file line (0-based columns, end exclusive)."""

    line: int
    start: int
    end: int
    css: str
    title: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class QuoteLink:
    """Where one ``sources`` quote of one file sits in the seed text, if anywhere."""

    anchor: str
    quote: str
    path: Path
    seed: Path | None = None
    start: int = 0
    end: int = 0


# --- entry point -----------------------------------------------------------------------------


def write_report(
    report: LintReport,
    docs: Sequence[LintDoc],
    config: LintConfig,
    seeds: Seeds,
    out_dir: Path,
) -> Path:
    """Write the report's pages into ``out_dir`` (created if needed); returns index.html.

    ``docs`` are the analysed files (``lint_loaded(..., keep_docs=docs)``); a file in the
    report without one is listed on the overview without a page of its own."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by_path = {doc.path: doc for doc in docs}
    pages = page_names([r.path for r in report.files if r.path in by_path])
    quotes: dict[Path, list[QuoteLink]] = {}
    for number, doc in enumerate(docs):
        quotes[doc.path] = [
            locate_quote(seeds, quote, f"q{number}-{index}", doc.path)
            for index, quote in enumerate(doc.explainer.sources)
        ]
    for file in report.files:
        found = by_path.get(file.path)
        if found is not None:
            html = file_page(file, found, config, quotes[found.path])
            (out_dir / pages[file.path]).write_text(html, encoding="utf-8")
    all_quotes = [q for doc in docs for q in quotes[doc.path]]
    (out_dir / SOURCE_PAGE).write_text(source_page(seeds, all_quotes), encoding="utf-8")
    index = out_dir / INDEX
    index.write_text(index_page(report, pages, config), encoding="utf-8")
    return index


def page_names(paths: Iterable[Path]) -> dict[Path, str]:
    """A distinct, file-system-safe page name for each explainer."""
    names: dict[Path, str] = {}
    used: set[str] = set()
    for path in paths:
        # A file in a language folder is named with it: "es/01-symptoms.md" is es-01-...
        name = f"{path.parent.name}-{path.name}" if language_of_folder(path.parent) else path.name
        stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "file"
        name, number = f"file-{stem}.html", 2
        while name in used:
            name, number = f"file-{stem}-{number}.html", number + 1
        used.add(name)
        names[path] = name
    return names


# --- overview --------------------------------------------------------------------------------


def _page(title: str, body: str, css: str = "") -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}{css}</style>\n</head>\n"
        f"<body>\n{body}\n</body>\n</html>\n"
    )


def _scale(values: Iterable[float], target: float) -> float:
    """The bar chart's full width: room for the worst file and the target line."""
    return float(max(math.ceil(max([target, *values]) * 1.25), 1))


def metric_bar(
    value: float, target: float, scale: float, label: str, *, higher_is_easier: bool = False
) -> str:
    """A horizontal bar for one score, with a dashed marker line at the target (a maximum,
    or a minimum for a score where higher is easier, as Fernández-Huerta)."""
    over = value < target if higher_is_easier else value > target
    state = "over" if over else "ok"
    width = max(min(value / scale, 1.0), 0.0) * 100
    left = min(target / scale, 1.0) * 100
    if higher_is_easier:
        verdict = "below" if over else "at or above"
    else:
        verdict = "above" if over else "within"
    title = f"{label} {value:.1f}: {verdict} the target of {target:g}"
    return (
        f'<div class="metric" title="{escape(title)}">'
        f'<span class="value {state}" data-metric="{escape(label)}">{value:.1f}</span>'
        f'<div class="bar" role="img" aria-label="{escape(title)}">'
        f'<div class="fill {state}" style="width:{width:.1f}%"></div>'
        f'<div class="target" style="left:{left:.1f}%"></div></div></div>'
    )


def _finding_html(finding: Finding, *, location: bool = False) -> str:
    where = f"{finding.line}:{finding.column} " if location else ""
    hint = f'<div class="hint">{escape(finding.hint)}</div>' if finding.hint else ""
    return (
        f'<div class="finding {escape(finding.severity)}">'
        f'<span class="sev {escape(finding.severity)}">{escape(finding.severity)}</span> '
        f'<span class="rule">{escape(finding.rule)}</span> {escape(where)}'
        f"{escape(finding.message)}{hint}</div>"
    )


@dataclass(frozen=True, slots=True)
class Target:
    """One formula a file is scored by, and its limit in the file's language."""

    name: str
    limit: float

    @property
    def label(self) -> str:
        return FORMULAS[self.name].label

    @property
    def full_name(self) -> str:
        label = FORMULAS[self.name].label
        return {"grade": "Flesch-Kincaid grade"}.get(label, label)

    @property
    def heading(self) -> str:
        least = "at least " if FORMULAS[self.name].higher_is_easier else ""
        return f"{self.full_name} (target {least}{self.limit:g})"

    @property
    def goal(self) -> str:
        side = "or higher" if FORMULAS[self.name].higher_is_easier else "or lower"
        return f"{self.full_name} {self.limit:g} {side}"

    def bar(self, value: float, scale: float) -> str:
        return metric_bar(
            value,
            self.limit,
            scale,
            self.label,
            higher_is_easier=FORMULAS[self.name].higher_is_easier,
        )


def _settings(config: LintConfig, language: str) -> LintConfig:
    return config.for_language(language) or config


def targets(config: LintConfig) -> list[Target]:
    """The formulas of one language's settings, with their limits."""
    limits = config.section("reading_level")
    return [Target(n, float(limits[FORMULAS[n].limit_key])) for n in formulas(config)]


def index_page(report: LintReport, pages: dict[Path, str], config: LintConfig) -> str:
    """Every linted file: its scores as bars against the targets of its language (grade
    and SMOG for English, Fernández-Huerta and INFLESZ for Spanish), counts, a page link."""
    scored = [f for f in report.files if f.metrics]
    by_file = {f.path: targets(_settings(config, f.language)) for f in scored}
    columns = max((len(t) for t in by_file.values()), default=0)
    scales: dict[str, float] = {}
    for name in {t.name for ts in by_file.values() for t in ts}:
        limit = next(t.limit for ts in by_file.values() for t in ts if t.name == name)
        values = (float(f.metrics[name]) for f in scored if name in f.metrics)
        scales[name] = _scale(values, limit)
    headings = [
        " · ".join(dict.fromkeys(ts[i].heading for ts in by_file.values() if i < len(ts)))
        for i in range(columns)
    ]
    rows: list[str] = []
    for file in report.files:
        warnings = len(file.findings) - file.errors
        name = escape(str(file.path))
        page = pages.get(file.path)
        link = f'<a href="{escape(page)}">{name}</a>' if page else name
        counts = (
            f'<td class="num{" count-error" if file.errors else ""}">{file.errors}</td>'
            f'<td class="num">{warnings}</td>'
        )
        if not file.metrics:
            problems = "".join(_finding_html(f, location=True) for f in file.findings)
            rows.append(
                f'<tr class="broken" data-path="{name}"><td>{link}</td>'
                f'<td colspan="{max(columns, 1)}">{problems}</td>{counts}<td class="num"></td></tr>'
            )
            continue
        mine = [t for t in by_file[file.path] if t.name in file.metrics]
        cells = [f"<td>{t.bar(float(file.metrics[t.name]), scales[t.name])}</td>" for t in mine]
        cells += ["<td></td>"] * (columns - len(cells))
        rows.append(
            f'<tr data-path="{name}" data-language="{escape(file.language)}"><td>{link}</td>'
            + "".join(cells)
            + f'{counts}<td class="num">{file.metrics["words"]}</td></tr>'
        )
    wanted = dict.fromkeys(t.goal for ts in by_file.values() for t in ts)
    body = (
        "<h1>Readability report</h1>\n"
        f'<p class="summary">{len(report.files)} file(s): <strong>{report.errors} '
        f"error(s)</strong>, {report.warnings} warning(s). Targets: "
        f"{', '.join(wanted) or 'none'} (the dashed line). "
        f'<a href="{SOURCE_PAGE}">The source article</a>.</p>\n'
        '<table class="overview">\n<thead><tr><th>File</th>'
        + "".join(f"<th>{escape(h)}</th>" for h in headings)
        + '<th class="num">Errors</th><th class="num">Warnings</th>'
        '<th class="num">Words</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>\n"
        '<p class="muted">Made by <code>python -m bot lint --html</code>. Open a file to see '
        "its hard sentences, jargon and findings line by line.</p>"
    )
    return _page("Readability report", body)


# --- one file --------------------------------------------------------------------------------


def _plain_to_source(starts: list[int], sources: list[int], offset: int) -> int:
    piece = bisect_right(starts, offset) - 1
    return sources[piece] + (offset - starts[piece]) if piece >= 0 else 0


def _range_marks(
    block: Block, start: int, end: int, css: str, title: str, note: str = ""
) -> list[Mark]:
    """Marks covering source indexes [start, end) of ``block``, one per file line."""
    first_line, first_col = block.position(start)
    last_line, last_col = block.position(max(end - 1, start))
    columns = {line: column for _, line, column in block.lines}
    marks: list[Mark] = []
    for line in range(first_line, last_line + 1):
        begin = first_col - 1 if line == first_line else columns.get(line, 1) - 1
        stop = last_col if line == last_line else 1_000_000
        marks.append(Mark(line, begin, stop, css, title, note if line == last_line else ""))
    return marks


def body_marks(doc: LintDoc, config: LintConfig) -> list[Mark]:
    """Hard and very hard sentences, and jargon words, as ranges on the file's lines (by
    the settings of the file's language)."""
    config = _settings(config, doc.language)
    ways = explanations(config)
    glossary = config.jargon
    whole = " ".join(b.text for b in doc.plain.blocks).lower()
    present = frozenset(term for term in glossary if term in whole)
    pattern = jargon_pattern(present) if present else None
    seen: set[str] = set()
    marks: list[Mark] = []
    for block in doc.document.blocks:
        if block.kind == "code":
            continue
        text, starts, sources = block_plain_text(block)
        for start, end in split_sentences(text, config.abbreviations):
            sentence = text[start:end].strip()
            reading = Sentence(sentence, 0, 0, 0, words(sentence))
            judged = sentence_level(sentence, reading.words, reading.letters, config)
            src_start = _plain_to_source(starts, sources, start)
            src_end = _plain_to_source(starts, sources, start + len(sentence) - 1) + 1
            if judged.level:
                level = judged.level.replace(" ", "-")
                title = f"{judged.level} to read: {judged.describe()}"
                marks.extend(_range_marks(block, src_start, src_end, f"s {level}", title))
            if pattern is None:
                continue
            for match in pattern.finditer(sentence):
                term = match.group("term").lower()
                plain = glossary[term]
                first = term not in seen
                seen.add(term)
                unexplained = first and not explained_at(sentence, term, ways)
                j_start = _plain_to_source(starts, sources, start + match.start())
                j_end = _plain_to_source(starts, sources, start + match.end() - 1) + 1
                marks.extend(
                    _range_marks(
                        block,
                        j_start,
                        j_end,
                        "jargon unexplained" if unexplained else "jargon",
                        f"jargon: say “{plain}”",
                        plain if unexplained else "",
                    )
                )
    return marks


def render_line(text: str, marks: Sequence[Mark]) -> str:
    """One file line, escaped, with sentence shading and jargon marks (nested inside)."""
    sentences = [m for m in marks if m.css.startswith("s ")]
    jargon = [m for m in marks if not m.css.startswith("s ")]
    cuts = {0, len(text)}
    for mark in marks:
        cuts.update((min(mark.start, len(text)), min(mark.end, len(text))))
    points = sorted(cuts)
    out: list[str] = []
    for a, b in pairwise(points):
        if a >= b:
            continue
        piece = escape(text[a:b])
        j = next((m for m in jargon if m.start <= a and b <= m.end), None)
        if j is not None:
            piece = f'<span class="{j.css}" title="{escape(j.title)}">{piece}</span>'
            if j.note and b >= min(j.end, len(text)):
                piece += f'<span class="note">→ {escape(j.note)}</span>'
        s = next((m for m in sentences if m.start <= a and b <= m.end), None)
        if s is not None:
            piece = f'<span class="{s.css}" title="{escape(s.title)}">{piece}</span>'
        out.append(piece)
    return "".join(out)


def _file_lines(path: Path) -> list[str]:
    """The file's lines as the content loader reads them (BOM and CR line ends dropped)."""
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def file_page(
    file: FileReport, doc: LintDoc, config: LintConfig, quotes: Sequence[QuoteLink]
) -> str:
    """One explainer: its lines with a gutter, shading, jargon notes, findings, sources."""
    goals = targets(_settings(config, doc.language))
    try:
        lines = _file_lines(doc.path)
    except OSError:
        lines = [""] * (doc.explainer.body_line - 1) + doc.explainer.body.split("\n")
    while lines and not lines[-1].strip() and len(lines) > doc.explainer.body_line:
        lines.pop()
    marks: dict[int, list[Mark]] = {}
    for mark in body_marks(doc, config):
        marks.setdefault(mark.line, []).append(mark)
    by_line: dict[int, list[Finding]] = {}
    elsewhere: list[Finding] = []
    for finding in file.findings:
        if 1 <= finding.line <= len(lines):
            by_line.setdefault(finding.line, []).append(finding)
        else:
            elsewhere.append(finding)
    meta_rows: list[str] = []
    body_rows: list[str] = []
    for number, text in enumerate(lines, start=1):
        notes = by_line.get(number, [])
        in_meta = number < doc.explainer.body_line
        rows = meta_rows if in_meta else body_rows
        classes = ["meta"] if in_meta else []
        if notes:
            classes.append("has-finding")
        css = f' class="{" ".join(classes)}"' if classes else ""
        rows.append(
            f'<tr id="L{number}"{css}><td class="ln"><a href="#L{number}">{number}</a></td>'
            f'<td class="text">{render_line(text, marks.get(number, []))}</td>'
            f'<td class="notes">{"".join(_finding_html(f) for f in notes)}</td></tr>'
        )
    score_rows = "".join(
        f"<tr><th>{escape(t.heading)}</th>"
        f"<td>{t.bar(doc.scores[t.name], _scale([doc.scores[t.name]], t.limit))}</td></tr>"
        for t in goals
        if t.name in doc.scores
    )
    warnings = len(file.findings) - file.errors
    title = doc.explainer.title or str(doc.path)
    body = (
        f'<nav><a href="{INDEX}">← All files</a> · <a href="{SOURCE_PAGE}">Source article</a>'
        "</nav>\n"
        f"<h1>{escape(title)}</h1>\n"
        f'<p class="muted">{escape(str(doc.path))} · {doc.plain.word_count} words, '
        f"{len(doc.plain.sentences)} sentences · <strong>{file.errors} error(s)</strong>, "
        f"{warnings} warning(s)</p>\n"
        f'<table class="overview"><tbody>{score_rows}</tbody></table>\n'
        '<p class="legend"><span class="s hard">hard sentence</span> '
        '<span class="s very-hard">very hard sentence</span> '
        '<span class="jargon" title="a word from jargon.yml">jargon</span> '
        '<span class="jargon unexplained">jargon not explained</span>'
        '<span class="note">→ plain words</span> · hover a mark for details</p>\n'
    )
    if elsewhere:
        body += (
            '<div class="elsewhere">' + "".join(_finding_html(f) for f in elsewhere) + "</div>\n"
        )
    # The text first, as an editor reads it; the front matter folds away unless it has
    # findings (<details> needs no script).
    meta_findings = sum(len(v) for k, v in by_line.items() if k < doc.explainer.body_line)
    body += (
        '<table class="lines"><tbody>\n' + "\n".join(body_rows) + "\n</tbody></table>\n"
        "<h2>Sources</h2>\n" + _sources_list(quotes) + "\n"
        f"<details{' open' if meta_findings else ''}><summary><strong>Front matter</strong> "
        f"(lines 1-{doc.explainer.body_line - 1}, {meta_findings} finding(s))</summary>\n"
        '<table class="lines"><tbody>\n' + "\n".join(meta_rows) + "\n</tbody></table>"
        "</details>"
    )
    return _page(f"{title} · readability", body)


def _sources_list(quotes: Sequence[QuoteLink]) -> str:
    if not quotes:
        return '<p class="missing">No source quotes.</p>'
    items: list[str] = []
    for quote in quotes:
        text = f"“{escape(quote.quote)}”"
        if quote.seed is None:
            items.append(f'<li>{text} <span class="missing">not found in the article</span></li>')
        else:
            href = f"{SOURCE_PAGE}#{quote.anchor}"
            items.append(f'<li>{text} <a href="{escape(href)}">where it is in the article</a></li>')
    return '<ul class="sources">\n' + "\n".join(items) + "\n</ul>"


# --- the source article ----------------------------------------------------------------------


@lru_cache(maxsize=16)
def normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise_quote(text)`` (but not stripped), with each character's index in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    after_space = False
    for index, char in enumerate(text):
        if char.isspace() or unicodedata.normalize("NFKC", char).isspace():
            if not after_space:
                out.append(" ")
                origin.append(index)
            after_space = True
            continue
        after_space = False
        for piece in normalise_quote(char):
            out.append(piece)
            origin.append(index)
    return "".join(out), origin


def locate_quote(seeds: Seeds, quote: str, anchor: str, path: Path) -> QuoteLink:
    """Where a quote sits in the first seed file that holds it (as ``Seeds.find`` looks)."""
    needle = normalise_quote(quote)
    if needle:
        for seed, text in seeds.files.items():
            haystack, origin = normalised_with_offsets(text)
            at = haystack.find(needle)
            if at >= 0:
                end = origin[at + len(needle) - 1] + 1
                return QuoteLink(anchor, quote, path, seed, origin[at], end)
    # Seeds.find normalises whole texts; a rare combining sequence can match there only.
    return QuoteLink(anchor, quote, path, seeds.find(quote))


def _article_html(text: str, quotes: Sequence[QuoteLink]) -> str:
    """The article, flat, with an anchor before each quoted passage and marks over it.

    Anchors and marks are siblings, so ``#q1-2:target ~ mark.q1-2`` lights up the
    passage a link points at without any script."""
    cuts = {0, len(text)}
    for q in quotes:
        cuts.update((q.start, q.end))
    points = sorted(cuts)
    out: list[str] = []
    for a, b in pairwise(points):
        for q in quotes:
            if q.start == a:
                out.append(f'<a class="anchor" id="{escape(q.anchor)}"></a>')
        covering = [q for q in quotes if q.start <= a and b <= q.end]
        piece = escape(text[a:b])
        if covering:
            classes = " ".join(q.anchor for q in covering)
            by = ", ".join(sorted({str(q.path) for q in covering}))
            piece = f'<mark class="quote {classes}" title="quoted by {escape(by)}">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def source_page(seeds: Seeds, quotes: Sequence[QuoteLink]) -> str:
    """The seed article(s), every quoted passage highlighted and anchored."""
    sections: list[str] = []
    targets: list[str] = []
    for seed, text in seeds.files.items():
        mine = [q for q in quotes if q.seed == seed]
        targets.extend(
            f"#{q.anchor}:target ~ mark.{q.anchor} {{ background: #ffd180; "
            "border-bottom-color: #e65100; }"
            for q in mine
        )
        sections.append(
            f"<section><h2>{escape(str(seed))}</h2>\n"
            f'<div class="article">{_article_html(text, mine)}</div></section>'
        )
    missing = [q for q in quotes if q.seed is None]
    missing_html = ""
    if missing:
        items = "".join(f"<li>{escape(str(q.path))}: “{escape(q.quote)}”</li>" for q in missing)
        missing_html = (
            f'<h2 class="missing">Quotes not found in the article</h2>\n<ul>{items}</ul>\n'
        )
    body = (
        f'<nav><a href="{INDEX}">← All files</a></nav>\n'
        "<h1>Source article</h1>\n"
        '<p class="muted">Every passage an explainer quotes under <code>sources</code> is '
        '<mark class="quote">highlighted</mark>; hover it to see which files quote it. '
        "Following a link from a file's page marks its passage in orange.</p>\n"
        + missing_html
        + "\n".join(sections)
    )
    return _page("Source article", body, "\n".join(targets))
