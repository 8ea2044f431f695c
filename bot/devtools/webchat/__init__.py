"""The local web chat: ``python -m bot run`` with no token serves the real bot in a page
that looks like Telegram on a phone, with a panel for content editors beside it.

``embedded`` starts the bot against the Bot API sandbox, ``server`` is the page's HTTP
API, ``events`` what the page is told, ``editor`` the content panel; the page itself is
``static/`` (shipped as package data, nothing fetched from elsewhere).
"""

from bot.devtools.webchat.embedded import listen_problem, run_embedded

__all__ = ["listen_problem", "run_embedded"]
