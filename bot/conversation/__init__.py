"""What the bot answers in a chat, as plain functions returning replies (no Telegram)."""
