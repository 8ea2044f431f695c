"""What the bot knows and decides to say: the catalog, its messages, safety triage and the
question router. No Telegram here."""
