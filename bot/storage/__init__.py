"""The database: tables, migrations, the digest claims and the statistics."""
