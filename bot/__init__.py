"""A Telegram bot that explains one piece of medical news in plain language."""

__version__ = "0.1.0"

import os

# python-telegram-bot's documented opt-in: durations (RetryAfter.retry_after, ...) as
# timedelta now, as in its next major version, instead of a deprecation warning per use.
os.environ.setdefault("PTB_TIMEDELTA", "1")
