"""Alembic environment: migrations run on the connection ``Database.migrate()`` hands over.

``Database.migrate()`` opens the transaction, takes the migration lock and passes its
connection in ``config.attributes["connection"]``, so every revision runs inside that one
locked transaction. Run by hand (``alembic -c alembic.ini ...`` with this folder as the
script location) it opens ``DATABASE_URL`` the same way the bot does.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from bot.settings import DEFAULT_DATABASE_URL
from bot.storage.database import Database, metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
elif context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run upgrade online")
else:
    database = Database(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    try:
        with database.engine.begin() as own:
            run(own)
    finally:
        database.close()
