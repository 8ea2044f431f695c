"""A Telegram bot that explains one piece of medical news in plain language."""

__version__ = "0.1.0"
