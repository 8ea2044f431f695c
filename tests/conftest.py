from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import strategies as st

from bot.knowledge.catalog import Catalog, build_catalog

#: Text a user might send, or a fuzzer would: long, mixed scripts, emoji, HTML, NUL bytes.
AWKWARD_TEXT = st.one_of(
    st.text(max_size=300),
    st.text(max_size=4000),
    st.text(alphabet="abcdefghij klm'’-!?🙂中ж\n", max_size=4000),
    st.sampled_from(["<script>alert(1)</script>", "🙂" * 4000, "x" * 4000, "\x00\ufeff"]),
)

ROOT = Path(__file__).resolve().parents[1]


@cache
def shipped_catalog() -> Catalog:
    """The shipped content, built once per test process (linting it takes seconds, and a
    catalog is immutable: tests that change content copy the folder)."""
    return build_catalog(ROOT / "content", seeds_dir=ROOT / "seeds")


SEED = ROOT / "seeds" / "000_dd81036e601aebbb.txt"

EASY_BODY = """\
Lupus is an illness. Your body fights its own skin and joints. It can hurt your kidneys too.

It is not the same for each person. Some days are good. Some days are hard.

Talk to your care team about how you feel. Ask them what you can do today.
"""


def front_matter(**fields: str) -> str:
    base = {
        "title": "What is lupus?",
        "command": "what_is_lupus",
        "order": "1",
        "summary": "Lupus is an illness where your body fights its own skin and joints.",
        "examples": "[what is lupus, what does lupus do, is lupus bad]",
        "sources": '["A variety of symptoms are brought on by lupus"]',
    }
    base.update(fields)
    lines = [f"{k}: {v}" for k, v in base.items() if v != "<omit>"]
    return "---\n" + "\n".join(lines) + "\n---\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with seeds/ and an empty content/, as the linter expects."""
    (tmp_path / "seeds").mkdir()
    shutil.copy(SEED, tmp_path / "seeds" / SEED.name)
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


WriteFile = Callable[..., Path]


@pytest.fixture
def write(project: Path) -> WriteFile:
    def _write(
        name: str, body: str = EASY_BODY, raw: str | bytes | None = None, **fields: str
    ) -> Path:
        path = project / "content" / name
        if isinstance(raw, bytes):
            path.write_bytes(raw)
        elif raw is not None:
            path.write_text(raw, encoding="utf-8")
        else:
            path.write_text(front_matter(**fields) + body, encoding="utf-8")
        return path

    return _write


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test run against PostgreSQL (a "postgresql" parameter) is marked ``postgres``."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "postgresql" in params.values() or "postgres" in item.fixturenames:
            item.add_marker(pytest.mark.postgres)
