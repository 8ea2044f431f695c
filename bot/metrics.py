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
SEND_FAILURES = Counter(
    "bot_send_failures_total",
    "Sends Telegram did not take, by what was done (retry, wait, gone, give_up, unsure) and"
    " whether the reply was a safety reply.",
    ["failure", "reply"],
    registry=REGISTRY,
)
DATABASE = Counter(
    "bot_database_calls_total",
    "Database work from the chat: done, timed_out, failed, or dropped (a full queue).",
    ["outcome"],
    registry=REGISTRY,
)


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


#: The update kinds the Bot API documents; anything else is counted as "other", so a forged
#: or future update cannot add label series without end.
UPDATE_KINDS = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post",
        "business_connection", "business_message", "edited_business_message",
        "deleted_business_messages", "message_reaction", "message_reaction_count",
        "inline_query", "chosen_inline_result", "callback_query", "shipping_query",
        "pre_checkout_query", "purchased_paid_media", "poll", "poll_answer",
        "my_chat_member", "chat_member", "chat_join_request", "chat_boost",
        "removed_chat_boost",
    }
)  # fmt: skip


def update_kind(payload: dict[str, object]) -> str:
    """The update's type ("message", "callback_query", ...) from its JSON: one of
    ``UPDATE_KINDS``, or "other"."""
    kind = next((k for k in payload if k != "update_id"), "other")
    return kind if kind in UPDATE_KINDS else "other"
