"""The digest pacer: overall rate, one message a second per chat, and the 429 pause."""

from __future__ import annotations

import asyncio

import pytest

from bot.digests.pacing import Pacer


@pytest.mark.slow
async def test_overall_rate_is_held() -> None:
    pacer = Pacer(rate_per_second=50, per_chat_interval=0)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for chat in range(51):
        await pacer.acquire(chat)
    elapsed = loop.time() - start
    assert elapsed >= 0.95  # 51 sends at 50/s: the first is free, 50 more take a second


async def test_one_chat_gets_one_message_a_second() -> None:
    pacer = Pacer(rate_per_second=1000, per_chat_interval=0.2)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for _ in range(4):
        await pacer.acquire(7)
    assert loop.time() - start >= 0.59


async def test_pause_holds_every_sender() -> None:
    pacer = Pacer(rate_per_second=1000, per_chat_interval=0)
    await pacer.acquire(1)
    pacer.pause(0.3)
    loop = asyncio.get_running_loop()
    start = loop.time()
    await asyncio.gather(pacer.acquire(2), pacer.acquire(3))
    assert loop.time() - start >= 0.29
