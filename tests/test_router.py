"""Router: generic (no lupus knowledge in code), tolerant of typos and wording, unsure
when it should be, fast, never raises; and the editor's word-list file is validated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings

from bot.knowledge.router import Router, RouterConfig, RouteResult, load_router_config
from bot.text.content import Explainer, load_directory

from .conftest import AWKWARD_TEXT

ROOT = Path(__file__).resolve().parents[1]


def explainer(command: str, title: str, summary: str, examples: list[str], body: str) -> Explainer:
    return Explainer(
        path=Path(f"{command}.md"),
        title=title,
        command=command,
        order=0,
        summary=summary,
        examples=tuple(examples),
        sources=(),
        body=body,
        body_line=1,
    )


GARDEN = [
    explainer(
        "watering",
        "How often should I water tomatoes?",
        "Tomatoes need deep watering two or three times a week.",
        ["how much water do tomatoes need", "when should I water my plants"],
        "Water tomatoes deeply at the roots. In hot weather, water every other day.",
    ),
    explainer(
        "pests",
        "Bugs on my plants",
        "Aphids and slugs are the most common garden pests.",
        ["how do I get rid of aphids", "what eats my lettuce at night"],
        "Slugs come out at night. Aphids gather under leaves. Soapy water helps.",
    ),
    explainer(
        "compost",
        "Making compost",
        "Compost turns kitchen scraps and leaves into food for the soil.",
        ["how do I start a compost heap", "what can go in compost"],
        "Mix green scraps with brown leaves. Turn the heap every few weeks.",
    ),
]
SYNONYMS = {"bugs": ["pests aphids"], "fertiliser": ["compost"], "hydrate": ["water"]}
STOPWORDS = [
    "a",
    "an",
    "the",
    "i",
    "my",
    "do",
    "how",
    "is",
    "are",
    "to",
    "of",
    "in",
    "on",
    "at",
    "what",
    "when",
    "should",
    "can",
]


@pytest.fixture(scope="module")
def garden() -> Router:
    return Router.build(GARDEN, SYNONYMS, stopwords=STOPWORDS, weak_words=["how", "what", "when"])


def test_examples_route_confidently(garden: Router) -> None:
    for topic in GARDEN:
        for question in topic.examples:
            result = garden.route(question)
            assert result.confident, question
            assert result.command == topic.command


def test_generalises_beyond_examples(garden: Router) -> None:
    assert garden.route("my slugs problem").command == "pests"
    assert garden.route("kitchen scraps into soil?").command == "compost"
    assert garden.route("deep watering in hot weather").command == "watering"


def test_typos_are_corrected(garden: Router) -> None:
    assert garden.route("tomatos waterring").command == "watering"
    assert garden.route("compst heap").command == "compost"


def test_synonyms_from_data(garden: Router) -> None:
    assert garden.route("which fertiliser").command == "compost"
    assert garden.route("bugs!").command == "pests"
    plain = Router.build(GARDEN, stopwords=STOPWORDS)
    assert plain.route("which fertiliser").command is None


def test_off_topic_is_not_confident(garden: Router) -> None:
    for text in ["tell me a joke", "what is the capital of france", "asdfgh", "", "???", "hello"]:
        result = garden.route(text)
        assert not result.confident, text
        assert result.command is None


def test_weak_words_alone_never_confident(garden: Router) -> None:
    result = garden.route("how when what")
    assert not result.confident and result.command is None


def test_unsure_keeps_best_guess_for_metrics_only(garden: Router) -> None:
    result = garden.route("water the compost")  # two topics, close
    assert result.best in {"watering", "compost"}
    assert result.runner_up in {"watering", "compost"}
    if not result.confident:
        assert result.command is None


def test_rare_word_is_stronger_evidence_than_everyday_word() -> None:
    """Once in a body, a rare word ("zygomorphic") says more than an everyday one ("good")."""
    topics = [
        explainer("a", "Alpha", "First topic.", ["first"], "Flowers can be zygomorphic."),
        explainer("b", "Beta", "Second topic.", ["second"], "Flowers can look good."),
    ]
    router = Router.build(topics, stopwords=STOPWORDS)
    rare, everyday = router.route("zygomorphic"), router.route("good")
    assert rare.best == "a" and everyday.best == "b"
    assert rare.score > everyday.score


def test_threshold_and_margin_decide(garden: Router) -> None:
    strict = Router.build(GARDEN, SYNONYMS, stopwords=STOPWORDS, threshold=0.99)
    assert strict.route("how do I get rid of aphids").command is None
    assert garden.route("how do I get rid of aphids").command == "pests"


def test_result_fields() -> None:
    result = RouteResult(command=None, score=0.0, confident=False, runner_up=None)
    assert result.best is None and result.runner_up_score == 0.0


def test_stemmer_needs_no_downloaded_data() -> None:
    from nltk.stem.snowball import SnowballStemmer

    assert SnowballStemmer("english").stem("breathing") == "breath"


# --- with the real content ------------------------------------------------------------


@pytest.fixture(scope="module")
def content_router() -> Router:
    explainers, problems = load_directory(ROOT / "content")
    assert explainers and not problems
    return Router.from_config(explainers, load_router_config(ROOT / "content" / "synonyms.yml"))


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("side effects?", "side_effects"),
        ("what is CD19", "therapy"),
        ("lupus foundation of america", "learn_more"),
        ("where was it published", "study"),
        ("when will it be available", "caveats"),
        ("what is lupus", "symptoms"),
    ],
)
def test_content_routes(content_router: Router, text: str, command: str) -> None:
    assert content_router.route(text).command == command


def test_every_content_example_routes_home(content_router: Router) -> None:
    """Each topic's own example questions should come back to it (or to nothing, never elsewhere
    except where two topics share an example question on purpose)."""
    explainers, _ = load_directory(ROOT / "content")
    wrong = []
    for topic in explainers:
        for question in topic.examples:
            result = content_router.route(question)
            if result.command not in (topic.command, None):
                wrong.append((question, topic.command, result.command))
    assert len(wrong) <= 2, wrong


def test_fast(content_router: Router) -> None:
    questions = ["is it safe", "how does car t therapy work", "wat is lupis", "whats the weather"]
    questions += ["my daughter has lupus, what did the study find about kidneys"] * 4
    for q in questions:
        content_router.route(q)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for q in questions:
            content_router.route(q)
        best = min(best, (time.perf_counter() - start) / len(questions))
    assert best < 0.002, f"routing took {best * 1000:.2f} ms per question"


@settings(max_examples=300, deadline=None)
@given(AWKWARD_TEXT)
def test_route_never_raises(text: str) -> None:
    router = _cached_router()
    result = router.route(text)
    assert 0.0 <= result.score <= 1.0
    assert (result.command is not None) == result.confident


_CACHE: dict[str, Router] = {}


def _cached_router() -> Router:
    if "router" not in _CACHE:
        explainers, _ = load_directory(ROOT / "content")
        _CACHE["router"] = Router.from_config(
            explainers, load_router_config(ROOT / "content" / "synonyms.yml")
        )
    return _CACHE["router"]


# --- the word-list file ---------------------------------------------------------------


def test_shipped_config_loads() -> None:
    config = load_router_config(ROOT / "content" / "synonyms.yml")
    assert isinstance(config, RouterConfig)
    assert "safe" in config.synonyms and "the" in config.stopwords
    assert 0 < config.threshold < 1 and 0 <= config.margin < 1


def test_empty_config_is_defaults(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("", encoding="utf-8")
    assert load_router_config(path) == RouterConfig()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("synonyms: [oops", "not valid YAML"),
        ("- just a list", "must be a mapping"),
        ("colours: [red]", "unknown section"),
        ("synonyms: {safe: 3}", "synonyms: 'safe'"),
        ("synonyms: {safe: [no]}", "quote"),
        ("stopwords: {a: b}", "stopwords"),
        ("confidence: {threshold: 2}", "from 0 to 1"),
        ("confidence: {threshold: yes}", "from 0 to 1"),
        ("confidence: {guess: 0.5}", "unknown setting"),
    ],
)
def test_config_errors_name_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "synonyms.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_router_config(path)
    assert str(path) in str(err.value)
    assert problem in str(err.value)


def test_missing_config_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        load_router_config(tmp_path / "nope.yml")
