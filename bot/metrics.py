"""Prometheus metrics: what operators watch, with no user ids and no message texts."""

from __future__ import annotations

from collections.abc import Collection

from prometheus_client import CollectorRegistry, Counter, Gauge

REGISTRY = CollectorRegistry()

UPDATES = Counter("bot_updates_total", "Updates handled, by kind.", ["kind"], registry=REGISTRY)
REPLIES = Counter(
    "bot_replies_total", "Replies sent, by what they answered.", ["kind"], registry=REGISTRY
)
ROUTING = Counter(
    "bot_routing_total",
    "Typed questions: routed to a topic, or not sure.",
    ["outcome"],
    registry=REGISTRY,
)
SAFETY = Counter(
    "bot_safety_replies_total", "Safety replies, by kind.", ["kind"], registry=REGISTRY
)
DIGESTS = Counter(
    "bot_digests_total",
    "Digest outcomes: sent, up_to_date, skipped, failed (retried later), ended.",
    ["outcome"],
    registry=REGISTRY,
)
LINT_REJECTIONS = Counter(
    "bot_lint_rejections_total",
    "Content files not served because of lint errors.",
    registry=REGISTRY,
)
TOPICS = Gauge("bot_topics", "Topics being served.", registry=REGISTRY)


def count_reply(kind: str, safety_kinds: Collection[str] = ()) -> None:
    """One reply of a kind from ``Reply.kind``, sorted into the right counters.

    ``safety_kinds`` are the kinds the safety file defines (urgent, crisis, ...), so the
    label set follows the data file instead of a copy of it here.
    """
    REPLIES.labels(kind).inc()
    if kind in safety_kinds:
        SAFETY.labels(kind).inc()
    elif kind == "routed":
        ROUTING.labels("topic").inc()
    elif kind == "not_sure":
        ROUTING.labels("not_sure").inc()


def update_kind(payload: dict[str, object]) -> str:
    """The update's type ("message", "callback_query", ...) from its JSON."""
    return next((k for k in payload if k != "update_id"), "unknown")
