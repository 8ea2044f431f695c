"""Benchmark: the full content lint against textstat alone, in the same run.

Generates N explainer files (default 1,000) shaped like the shipped ones (front matter with
examples and source quotes, a body of about 100-150 words with a list, bold text and a
link), then times:

* full lint: read, parse, every rule, the same two scores, findings (``lint_loaded``);
* textstat alone: Flesch-Kincaid grade and SMOG on the very same plain texts;
* the same for a quarter as many Spanish files (the bodies of content/es/, reshuffled):
  the full lint against Fernández-Huerta and INFLESZ alone.

textstat's internal lru caches are cleared before each timed pass, so neither side is
served from the other's cache. Prints files per second for each, then the ratio last.
Target: the full lint costs at most 1.5 times textstat alone.

    python bench/lint.py [--files 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import textstat  # noqa: E402

from bot.lint.config import load_config  # noqa: E402
from bot.lint.document import analyse  # noqa: E402
from bot.lint.runner import lint_loaded, load_seeds  # noqa: E402
from bot.text import readability, spanish  # noqa: E402
from bot.text.content import load_file  # noqa: E402

SENTENCES = [
    "Lupus is an illness where your body fights its own parts.",
    "It can hurt your skin, joints, bones, kidneys and heart.",
    "There is no cure yet.",
    "Many medicines do not work well for many people.",
    "A new study tried a new kind of treatment.",
    "Doctors took some of your own white blood cells.",
    "They trained the cells in a lab to find other cells.",
    "Then they put the cells back into the body.",
    "Five people with severe lupus took part.",
    "Most felt better about three months later.",
    "They did not need more medicine after that.",
    "The side effects in the study were small.",
    "This kind of treatment can cause a high fever or chills.",
    "Some people have trouble breathing.",
    "The study was small, so we still have a lot to learn.",
    "Bigger studies that last longer are needed.",
    "It is not a standard treatment yet.",
    "Scientists want to know if the body truly resets.",
    "Your care team knows your health best.",
    "You can ask them what this news means for you.",
    "Write down your questions before your next visit.",
    "Bring a friend or family member if that helps you.",
    "The treatment uses cells from your own blood.",
    "Experts said the news is very exciting.",
]
ITEMS = ["a high fever", "chills", "trouble breathing", "feeling very tired", "aches"]
QUOTES = [
    "A variety of symptoms are brought on by lupus",
    "Five patients with severe lupus encompassing many organs",
    "This form of therapy has been linked to high fever, chills, difficulty breathing",
    "more trials in larger groups of lupus patients who are followed for longer are required",
    "For more information on lupus therapies, visit the Lupus Foundation of America.",
]


def make_file(index: int, rng: random.Random) -> str:
    body_sentences = rng.sample(SENTENCES, 9)
    first = " ".join(body_sentences[:3])
    second = " ".join(body_sentences[3:6]).replace("treatment", "**treatment**", 1)
    items = "\n".join(f"- {item}" for item in rng.sample(ITEMS, 3))
    last = " ".join(body_sentences[6:9])
    body = (
        f"{first}\n\n{second}\n\nYou may notice:\n\n{items}\n\n{last} "
        f"Read more at [the Lupus Foundation](https://www.lupus.org/page-{index}).\n\n"
        "Talk to your care team about any questions you have.\n"
    )
    examples = "\n".join(f"  - question {index} number {k}" for k in range(6))
    sources = "\n".join(f'  - "{q}"' for q in rng.sample(QUOTES, 3))
    return (
        f"---\ntitle: Topic {index}\ncommand: topic_{index}\norder: {index}\n"
        f"summary: A short summary of topic {index} for readers.\n"
        f"examples:\n{examples}\nsources:\n{sources}\n---\n{body}"
    )


def spanish_pass(
    workdir: Path, count: int, rounds: int, config: object, seeds: object
) -> tuple[int, float, float]:
    """The same measure for Spanish files (content/es/ bodies, reshuffled): seconds for the
    full lint and for the two Spanish scores alone on the same texts (medians)."""
    sources = sorted((ROOT / "content" / "es").glob("0*.md"))
    folder = workdir / "content" / "es"
    folder.mkdir(parents=True)
    rng = random.Random(7)
    files = []
    for i in range(count):
        text = sources[i % len(sources)].read_text(encoding="utf-8")
        head, _, body = text.partition("\n---\n")
        paragraphs = body.split("\n\n")
        rng.shuffle(paragraphs)
        path = folder / f"{i:04d}-tema.md"
        path.write_text(f"{head}\n---\n" + "\n\n".join(paragraphs), encoding="utf-8")
        files.append(path)
    texts = []
    for path in files:
        explainer = load_file(path)
        texts.append(analyse(explainer, config).scoring_text)  # type: ignore[arg-type]
    lint_loaded(files[:5], config, seeds)  # type: ignore[arg-type]
    lint_times, score_times = [], []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        for text in texts:
            spanish.fernandez_huerta(text)
            spanish.szigriszt_pazos(text)
        score_times.append(time.perf_counter() - start)
        gc.collect()
        start = time.perf_counter()
        lint_loaded(files, config, seeds)  # type: ignore[arg-type]
        lint_times.append(time.perf_counter() - start)
    return count, statistics.median(lint_times), statistics.median(score_times)


def clear_textstat_caches() -> None:
    for module in list(sys.modules.values()):
        name = getattr(module, "__name__", "")
        if not name.startswith("textstat"):
            continue
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lint-bench-"))
    try:
        rng = random.Random(42)
        content = workdir / "content"
        content.mkdir()
        files = []
        for i in range(args.files):
            path = content / f"{i:04d}-topic.md"
            path.write_text(make_file(i, rng), encoding="utf-8")
            files.append(path)
        config = load_config(ROOT / "content" / "lint.yml", ROOT / "content")
        seeds = load_seeds(ROOT / "seeds")

        # The plain texts textstat alone will score: exactly what the lint scores.
        texts = []
        for path in files:
            explainer = load_file(path)
            assert not hasattr(explainer, "message"), explainer
            texts.append(analyse(explainer, config).scoring_text)
        words = sum(len(t.split()) for t in texts) / len(texts)

        # Warm up both paths once (dictionary load, regex compiles, imports).
        readability.flesch_kincaid_grade(texts[0])
        lint_loaded(files[:20], config, seeds)

        lint_times, textstat_times = [], []
        report = None
        for _ in range(args.rounds):
            clear_textstat_caches()
            gc.collect()
            start = time.perf_counter()
            for text in texts:
                textstat.flesch_kincaid_grade(text)
                textstat.smog_index(text)
            textstat_times.append(time.perf_counter() - start)

            clear_textstat_caches()
            gc.collect()
            start = time.perf_counter()
            report = lint_loaded(files, config, seeds)
            lint_times.append(time.perf_counter() - start)
        assert report is not None
        lint_s = statistics.median(lint_times)
        textstat_s = statistics.median(textstat_times)
        spanish = spanish_pass(workdir, args.files // 4, args.rounds, config, seeds)
        print(f"files: {args.files}, words per body (scored): {words:.0f}, rounds: {args.rounds}")
        print(f"findings: {len(report.findings)} ({report.errors} errors)")
        print(f"textstat alone (FK + SMOG): {args.files / textstat_s:,.0f} files/s")
        print(f"full lint:                  {args.files / lint_s:,.0f} files/s")
        count, es_lint_s, es_scores_s = spanish
        print(
            f"Spanish, {count} files: scores alone (Fernández-Huerta + INFLESZ) "
            f"{count / es_scores_s:,.0f} files/s; full lint {count / es_lint_s:,.0f} files/s "
            f"(ratio {es_lint_s / es_scores_s:.2f})"
        )
        print(f"ratio full lint / textstat alone: {lint_s / textstat_s:.2f} (target <= 1.5)")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
