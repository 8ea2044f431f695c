"""The text layer: Markdown, the reader's plain text, readability, Telegram HTML, YAML
loading and normalising. Imports nothing else of the bot."""
