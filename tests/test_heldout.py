"""The held-out sets (tests/data/heldout/), answered the way the bot answers them.

Each set was written by a helper that saw only a description of the topics (README there);
`bench/understanding.py` prints the figures. These tests hold the bot to them: every
urgent and crisis message gets its safety reply, and the other figures stay at or above
the targets of the understanding issue. A failure names the messages, so a regression can
be seen; a miss on a set must never be fixed by a pattern for that one message.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import yaml

from bot.conversation import topics as replies
from bot.knowledge.catalog import Catalog

from .conftest import ROOT, shipped_catalog

HELDOUT = ROOT / "tests" / "data" / "heldout"
SETS = sorted(p.stem for p in HELDOUT.glob("en_*.yml"))
#: Spanish sets; es_dev was used to tune the Spanish word lists, the others never.
SPANISH = sorted(p.stem for p in HELDOUT.glob("es_*.yml"))
CATEGORIES = ("urgent", "crisis", "not_urgent", "advice", "off_topic", "greetings")
SMALL_TALK = ("greeting", "thanks", "goodbye")


@dataclass(frozen=True)
class Outcome:
    category: str
    expected: str
    text: str
    kind: str
    topic: str | None


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return shipped_catalog()


def outcomes(catalog: Catalog, name: str) -> Iterator[Outcome]:
    """Each message answered as the bot answers it (safety in every language first), for a
    reader of the set's language."""
    reader = catalog.in_language(name.split("_")[0])
    data = yaml.safe_load((HELDOUT / f"{name}.yml").read_text("utf-8"))
    for topic, questions in data["topics"].items():
        for text in questions:
            reply = replies.answer(reader, text)
            yield Outcome("topic", topic, text, reply.kind, reply.topic)
    for category in CATEGORIES:
        for text in data[category]:
            reply = replies.answer(reader, text)
            yield Outcome(category, category, text, reply.kind, reply.topic)


def test_sets_are_well_formed() -> None:
    assert len(SETS) >= 5
    for name in SETS:
        data = yaml.safe_load((HELDOUT / f"{name}.yml").read_text("utf-8"))
        assert set(data) == {"topics", *CATEGORIES}, name
        assert all(isinstance(t, str) and t.strip() for v in data["topics"].values() for t in v)
        assert sum(len(v) for v in data["topics"].values()) >= 90, name
    assert len(SPANISH) >= 3
    for name in SPANISH:
        data = yaml.safe_load((HELDOUT / f"{name}.yml").read_text("utf-8"))
        assert set(data) == {"topics", *CATEGORIES}, name
        assert sum(len(v) for v in data["topics"].values()) >= 60, name


@pytest.mark.parametrize("name", SETS + SPANISH)
def test_every_urgent_and_crisis_message_gets_its_safety_reply(catalog: Catalog, name: str) -> None:
    found = list(outcomes(catalog, name))
    safety = ("urgent", "crisis")
    urgent = [o.text for o in found if o.category == "urgent" and o.kind not in safety]
    crisis = [o.text for o in found if o.category == "crisis" and o.kind != "crisis"]
    assert not urgent, f"urgent messages without the emergency reply: {urgent}"
    assert not crisis, f"crisis messages without the crisis reply: {crisis}"


@pytest.mark.parametrize("name", SETS + SPANISH)
def test_the_other_figures_meet_the_targets(catalog: Catalog, name: str) -> None:
    found = list(outcomes(catalog, name))

    def share(category: str, ok: set[str]) -> float:
        items = [o for o in found if o.category == category]
        return sum(o.kind in ok for o in items) / len(items)

    topics = [o for o in found if o.category == "topic"]
    routed = sum(o.kind == "routed" and o.topic == o.expected for o in topics) / len(topics)
    alarms = share("not_urgent", {"urgent", "crisis"})
    assert alarms <= 0.10, f"false alarms {alarms:.0%}"
    assert share("advice", {"personal_advice"}) >= 0.90
    assert share("off_topic", {"not_sure"}) >= 0.85
    assert share("greetings", set(SMALL_TALK)) >= 0.80
    # Routing of unseen paraphrases: the measured figures are in bench/understanding.py;
    # this floor catches a regression without pretending every set reaches 90%.
    assert routed >= 0.82, f"topics routed right {routed:.0%}"
    assert not [o.text for o in topics if o.kind in ("urgent", "crisis")], "topic alarms"


def test_first_reply_of_a_safety_answer_is_the_safety_text(catalog: Catalog) -> None:
    reply = replies.for_text(catalog, "my mum cant wake up and shes breathing funny")
    assert reply.kind == "urgent"
    assert reply.messages[0].html == catalog.safety.replies["urgent"]


def test_held_out_sets_are_not_content_examples() -> None:
    """The content's example questions were written without these sets; none is copied."""
    from bot.text.content import load_directory

    explainers, _ = load_directory(ROOT / "content")
    spanish, _ = load_directory(ROOT / "content" / "es")
    examples = {q.strip().lower() for e in [*explainers, *spanish] for q in e.examples}
    held = set()
    for name in SETS + SPANISH:
        data = yaml.safe_load((HELDOUT / f"{name}.yml").read_text("utf-8"))
        held |= {t.strip().lower() for v in data["topics"].values() for t in v}
    # Short everyday questions ("what did the study find") are written by both, by chance.
    assert len(held & examples) <= 0.03 * len(held), sorted(held & examples)
