# The bot in one image: `docker build -t lupus-news-bot .`; see "Deploy with Docker" in README.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app

# Dependencies in a layer of their own: only pyproject.toml is copied and only its
# [project.dependencies] are installed (all ship as wheels: no compiler needed), so a change
# to the code does not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install --no-cache-dir -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

# A user without a login; only data/ (the SQLite database) is writable by it.
RUN groupadd --system --gid 10001 bot \
    && useradd --system --no-log-init --uid 10001 --gid bot --home-dir /app \
        --shell /usr/sbin/nologin bot \
    && mkdir -p /app/data \
    && chown bot:bot /app/data

# The code (with its migrations inside the package), content and article, laid out as in
# the repository; the bot reads content/ and seeds/ relative to the working directory.
COPY README.md LICENSE ./
COPY bot/ bot/
COPY content/ content/
COPY seeds/ seeds/
# Editable and without dependencies: `bot` is imported from /app/bot. A plain
# `pip install .` works as well: the migrations are package data.
RUN pip install --no-cache-dir --no-deps -e .

# DATABASE_URL defaults to sqlite:///data/bot.sqlite3, relative to /app.
VOLUME ["/app/data"]

USER 10001:10001

# Health (/healthz), metrics (/metrics) and, in webhook mode, Telegram's updates (HTTP_PORT).
EXPOSE 8080

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot", "healthcheck"]

CMD ["python", "-m", "bot", "run"]
