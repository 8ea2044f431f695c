"""The only package that talks to Telegram (python-telegram-bot): wiring, handlers, the one
send path, flood control and the HTTP server."""
