"""`python -m bot run` with no token: the real bot in a local web chat, in a real browser.

One bot process (``python -m bot run`` in a folder with a copy of content/ and seeds/, no
.env and no TELEGRAM_BOT_TOKEN) serves the page for the whole module; Debian's headless
Chromium, driven by Selenium through Debian's chromedriver (given by path, so Selenium
Manager never downloads a driver), is the user. Each test starts a new simulated user, so
each gets a chat of its own. Chromium resolves no host but 127.0.0.1, so a page that needed
anything from the network would break here.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.ui import WebDriverWait

from bot.devtools.sandbox import DEFAULT_TOKEN
from bot.text.content import Explainer, load_file

from .browser import FLAGS, require_chromium
from .conftest import ROOT

#: Screenshots of this run (ignored by git); the committed ones sit beside this folder.
SHOTS = ROOT / "tests" / "artifacts" / "latest"
URL_LINE = re.compile(r"http://127\.0\.0\.1:\d+/")
WAIT = 20.0
#: Telegram HTML the help text gets in the test's copy of the content.
FORMATS = (
    "  <u>under</u> <ins>ins</ins> <s>struck</s> <del>del</del> <strike>strike</strike>"
    " <em>em</em> <strong>strong</strong> <tg-spoiler>secret</tg-spoiler>"
    ' <span class="tg-spoiler">hush</span> <code>code</code>\n'
    '  <pre><code class="language-python">print(1)</code></pre>\n'
    "  <blockquote>quoted</blockquote>"
)


def browser_test(test: Callable[..., None]) -> Callable[..., None]:
    """Drives Chromium (``-m browser``) and takes seconds (``make check`` skips it)."""
    return pytest.mark.slow(pytest.mark.browser(test))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any Telegram setting: the bot must find no token."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WEBCHAT_"))}
    env.update({"PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", **extra})
    return env


def wait_for_url(process: subprocess.Popen[str], timeout: float) -> tuple[str, list[str]]:
    """The URL the process prints, and its lines up to the next one ("how to go live");
    fails if it exits first. A thread drains stdout, so the pipe never fills."""
    assert process.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def drain(stream: Any) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=drain, args=(process.stdout,), daemon=True).start()
    seen: list[str] = []
    url = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            break
        if line is None:
            break
        seen.append(line)
        if url:
            return url, seen
        found = URL_LINE.search(line)
        if found:
            url = found.group()
    raise AssertionError(f"no URL and next line within {timeout}s; output: {seen}")


def stop(process: subprocess.Popen[str]) -> None:
    """SIGTERM to the process group we started (make and the bot it runs), then wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


def explainer(content: Path, name: str) -> Explainer:
    loaded = load_file(content / name)
    assert isinstance(loaded, Explainer), loaded
    return loaded


# --- fixtures -------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    content: Path
    lines: list[str]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("webchat")
    shutil.copytree(ROOT / "content", folder / "content")
    shutil.copytree(ROOT / "seeds", folder / "seeds")
    # An italic word, so a test can see Telegram's <i> (the shipped explainers have none).
    learn_more = folder / "content" / "06-learn-more.md"
    text = learn_more.read_text("utf-8")
    assert "Write down one question today." in text
    learn_more.write_text(text.replace("one question today", "one question *today*"), "utf-8")
    # And every other kind of Telegram formatting, in the help text (messages.yml is HTML).
    messages = folder / "content" / "messages.yml"
    text = messages.read_text("utf-8")
    assert "  <b>How to use me</b>\n" in text
    messages.write_text(
        text.replace("  <b>How to use me</b>\n", f"  <b>How to use me</b>\n{FORMATS}\n"), "utf-8"
    )
    log = (folder / "bot.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=folder,
        env=clean_env(HTTP_PORT=str(free_port())),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        start_new_session=True,
    )
    try:
        url, lines = wait_for_url(process, 90)
        yield Server(url, folder / "content", lines)
    finally:
        stop(process)
        log.close()


def require_chromedriver() -> str:
    found = shutil.which("chromedriver") or next(
        (p for p in ("/usr/lib/chromium/chromedriver",) if Path(p).is_file()), None
    )
    if found is None:
        reason = "chromedriver is not installed (apt-get install chromium-driver, or make test)"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    options.binary_location = require_chromium()
    for flag in (*FLAGS, "--headless=new", "--window-size=1400,900"):
        if flag != "--headless":
            options.add_argument(flag)
    # Nothing but this machine: a CDN or web font the page needed would fail to load.
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1")
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager go online
    driver = webdriver.Chrome(
        service=Service(executable_path=require_chromedriver()), options=options
    )
    try:
        yield driver
    finally:
        driver.quit()


class Chat:
    """The page, as a user and an editor use it; reads go through the test hooks."""

    def __init__(self, driver: WebDriver, server: Server) -> None:
        self.driver = driver
        self.server = server

    def until(self, condition: Callable[[WebDriver], Any], what: str, timeout: float = WAIT) -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(condition, what)

    def find(self, role: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, f"[data-role={role}]")

    def open_new_user(self) -> None:
        self.driver.get(self.server.url)
        self.until(lambda d: d.execute_script("return document.body.dataset.ready"), "page ready")
        before = self.find("user-select").get_attribute("value")
        self.find("new-user").click()
        self.until(
            lambda d: self.find("user-select").get_attribute("value") != before, "a new user"
        )

    @property
    def user_id(self) -> int:
        return int(self.find("user-select").get_attribute("value") or 0)

    def texts(self, role: str = "bot-message") -> list[str]:
        found = self.driver.execute_script(
            "return [...document.querySelectorAll(arguments[0])]"
            ".map(e => (e.querySelector('.text') || e).innerText)",
            f"[data-role={role}]",
        )
        return [str(t) for t in found]

    def send(self, text: str) -> None:
        box = self.find("message-input")
        box.send_keys(text)
        self.find("send").click()
        self.until(lambda d: text in self.texts("user-message"), "the user's message shown")

    def wait_bot(self, count: int) -> list[str]:
        """Wait until the chat shows at least ``count`` bot messages; their texts."""
        self.until(lambda d: len(self.texts()) >= count, f"{count} bot message(s)")
        return self.texts()

    def wait_bot_text(self, needle: str) -> WebElement:
        """The newest bot message whose text (not its buttons) contains ``needle``."""

        def found(driver: WebDriver) -> WebElement | bool:
            messages = driver.find_elements(By.CSS_SELECTOR, "[data-role=bot-message]")
            for element in reversed(messages):
                if needle.lower() in element.find_element(By.CLASS_NAME, "text").text.lower():
                    return element
            return False

        element: WebElement = self.until(found, f"a bot message with {needle!r}")
        return element

    def tab(self, name: str) -> None:
        self.driver.find_element(By.CSS_SELECTOR, f".tabs [data-tab={name}]").click()

    def screenshot(self, name: str) -> Path:
        """The whole page, taller than the test window, under tests/artifacts/latest/."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / name
        size = self.driver.get_window_size()
        self.driver.set_window_size(1400, 1250)
        try:
            time.sleep(0.2)  # let the layout settle at the new size
            self.driver.save_screenshot(str(path))
        finally:
            self.driver.set_window_size(size["width"], size["height"])
        return path

    def open_file(self, name: str) -> str:
        self.tab("content")
        self.until(
            lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-role=file][data-path='{name}']"),
            "the file list",
        )
        self.driver.find_element(By.CSS_SELECTOR, f"[data-role=file][data-path='{name}']").click()
        self.until(lambda d: self.find("editor-path").text == name, "the file in the editor")
        return str(self.find("editor").get_attribute("value"))

    def save(self, text: str) -> str:
        """Put ``text`` in the editor and save; the outcome ("published" or "held")."""
        self.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
            self.find("editor"),
            text,
        )
        status = self.find("save-status")
        self.driver.execute_script("delete arguments[0].dataset.outcome", status)
        self.find("save").click()
        outcome: str = self.until(
            lambda d: status.get_attribute("data-outcome"), "the save's outcome", timeout=30
        )
        return outcome


@pytest.fixture
def chat(browser: WebDriver, server: Server) -> Chat:
    page = Chat(browser, server)
    page.open_new_user()
    return page


# --- the chat -------------------------------------------------------------------------------


@browser_test
def test_the_page_is_served_from_this_machine_only(chat: Chat, server: Server) -> None:
    assert "Lupus News" in chat.find("bot-name").text
    assert chat.find("start").is_displayed()
    resources = chat.driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert resources, "the page loads its script and style"
    assert all(str(r).startswith(server.url) for r in resources), resources
    assert any(line.startswith("To go live") for line in server.lines), server.lines


@browser_test
def test_start_shows_the_welcome_with_topic_buttons(chat: Chat, server: Server) -> None:
    chat.find("start").click()
    welcome = chat.wait_bot_text("Hello")
    buttons = [b.text for b in welcome.find_elements(By.CSS_SELECTOR, "[data-role=inline-button]")]
    titles = [explainer(server.content, p.name).title for p in sorted(server.content.glob("0*.md"))]
    assert titles and all(title in buttons for title in titles), buttons
    assert not chat.find("start-bar").is_displayed()


@browser_test
def test_pressing_a_topic_button_sends_the_explainer(chat: Chat, server: Server) -> None:
    title = explainer(server.content, "01-symptoms.md").title
    chat.find("start").click()
    welcome = chat.wait_bot_text("Hello")
    button = next(
        b
        for b in welcome.find_elements(By.CSS_SELECTOR, "[data-role=inline-button]")
        if b.text == title
    )
    button.click()
    reply = chat.wait_bot_text(title)
    assert reply.find_element(By.TAG_NAME, "b").text == title
    # The callback query was answered: the button's "waiting" clock is gone.
    chat.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".waiting"), "the answer")
    chat.screenshot("webchat-topic.png")


@browser_test
def test_a_typed_question_gets_the_explainer(chat: Chat, server: Server) -> None:
    chat.send("how does the treatment work")
    therapy = explainer(server.content, "02-therapy.md")
    reply = chat.wait_bot_text(therapy.title)
    assert therapy.title in [b.text for b in reply.find_elements(By.TAG_NAME, "b")]


@browser_test
def test_an_urgent_message_gets_the_emergency_reply_first(chat: Chat) -> None:
    chat.send("I can't breathe")
    first = chat.wait_bot(1)[0]
    assert "emergency" in first.lower()


@browser_test
def test_html_looking_user_text_is_shown_as_text(chat: Chat) -> None:
    for text in ("<script>alert(1)</script>", "<b>x</b>"):
        chat.send(text)
    users = chat.driver.find_elements(By.CSS_SELECTOR, "[data-role=user-message]")
    assert [u.find_element(By.CLASS_NAME, "text").text for u in users] == [
        "<script>alert(1)</script>",
        "<b>x</b>",
    ]
    for user in users:
        assert not user.find_elements(By.CSS_SELECTOR, ".text *")
    with pytest.raises(NoAlertPresentException):
        chat.driver.switch_to.alert.accept()
    chat.wait_bot(1)  # the bot answered too, and the page still stands


@browser_test
def test_telegram_formatting_renders_as_elements(chat: Chat, server: Server) -> None:
    learn_more = explainer(server.content, "06-learn-more.md")
    chat.send(f"/{learn_more.command}")
    reply = chat.wait_bot_text(learn_more.title)
    assert reply.find_element(By.CSS_SELECTOR, ".text > b").text == learn_more.title
    assert reply.find_element(By.CSS_SELECTOR, ".text i").text == "today"
    link = reply.find_element(By.CSS_SELECTOR, ".text a[href='https://www.lupus.org/']")
    assert link.text == "Lupus Foundation of America"
    assert link.get_attribute("rel") == "noopener noreferrer"


@browser_test
def test_every_telegram_format_renders_as_telegram_shows_it(chat: Chat) -> None:
    chat.send("/help")
    reply = chat.wait_bot_text("How to use me")
    text = reply.find_element(By.CLASS_NAME, "text")

    def shown(css: str) -> list[str]:
        return [e.text for e in text.find_elements(By.CSS_SELECTOR, css)]

    assert shown("u") == ["under", "ins"]
    assert shown("s") == ["struck", "del", "strike"]
    assert "em" in shown("i") and "strong" in shown("b")
    assert shown("code") == ["code", "print(1)"]
    assert text.find_element(By.CSS_SELECTOR, "pre > code.language-python").text == "print(1)"
    assert shown("blockquote") == ["quoted"]
    spoilers = text.find_elements(By.CSS_SELECTOR, "span.tg-spoiler")
    assert len(spoilers) == 2 and "revealed" not in (spoilers[0].get_attribute("class") or "")
    spoilers[0].click()
    assert "revealed" in (spoilers[0].get_attribute("class") or "")
    # Nothing else became an element: no tag from the HTML survives as markup.
    tags = chat.driver.execute_script(
        "return [...arguments[0].querySelectorAll('*')].map(e => e.tagName.toLowerCase())", text
    )
    assert set(tags) <= {"b", "i", "u", "s", "span", "code", "pre", "blockquote", "a"}, tags


@browser_test
def test_a_message_the_bot_edits_changes_in_place(chat: Chat, server: Server) -> None:
    """The bot itself never edits a message yet, so the test makes the Bot API call the
    bot would make (editMessageText, to the sandbox, with its token) and watches the page."""
    chat.find("start").click()
    welcome = chat.wait_bot_text("Hello")
    message_id = int(welcome.get_attribute("data-message-id") or 0)
    with urllib.request.urlopen(server.url + "api/state", timeout=10) as response:
        api_url = json.load(response)["api_url"]
    edit = urllib.parse.urlencode(
        {
            "chat_id": chat.user_id,
            "message_id": message_id,
            "text": "<b>Edited</b> welcome",
            "parse_mode": "HTML",
        }
    ).encode()
    url = f"{api_url}/bot{DEFAULT_TOKEN}/editMessageText"
    with urllib.request.urlopen(url, data=edit, timeout=10) as response:
        assert json.load(response)["ok"]
    shown = f"[data-role=bot-message][data-message-id='{message_id}']"

    def edited(driver: WebDriver) -> WebElement | bool:
        found = driver.find_elements(By.CSS_SELECTOR, shown)
        return found[0] if found and "Edited welcome" in found[0].text else False

    element: WebElement = chat.until(edited, "the welcome edited in place")
    assert element.find_element(By.CSS_SELECTOR, ".text b").text == "Edited"
    assert element.find_element(By.CLASS_NAME, "edited").text == "edited"
    assert not element.find_elements(By.CSS_SELECTOR, "[data-role=inline-button]")
    assert len(chat.texts()) == 1


# --- languages ------------------------------------------------------------------------------


def switch_to_spanish(chat: Chat) -> None:
    Select(chat.find("language")).select_by_value("es")
    chat.until(lambda d: "Español" in chat.find("toast").text, "the language switched")


@browser_test
def test_the_language_switch_sets_language_code_on_updates(chat: Chat) -> None:
    switch_to_spanish(chat)
    chat.send("hola")
    chat.wait_bot(1)
    chat.find("calls-button").click()

    def update_from_user(driver: WebDriver) -> list[dict[str, Any]]:
        results = [
            e.get_attribute("textContent") or ""
            for e in driver.find_elements(
                By.CSS_SELECTOR, "[data-method=getUpdates] pre[data-role=call-result]"
            )
        ]
        answers = [json.loads(text) for text in results]  # null for a failed call
        updates = [u for a in answers if isinstance(a, list) for u in a if isinstance(u, dict)]
        return [
            u["message"]["from"]
            for u in updates
            if u.get("message", {}).get("from", {}).get("id") == chat.user_id
        ]

    senders = chat.until(update_from_user, "the getUpdates answer with the user's message")
    assert senders[-1]["language_code"] == "es"


@browser_test
def test_a_spanish_user_gets_spanish(chat: Chat, server: Server) -> None:
    switch_to_spanish(chat)
    chat.find("start").click()
    welcome = chat.wait_bot(1)[0]
    # The Spanish welcome from content/es/messages.yml, up to the user's name.
    spanish = yaml.safe_load((server.content / "es" / "messages.yml").read_text("utf-8"))
    greeting = str(spanish["welcome"]).split("{name}")[0].strip()
    assert greeting and welcome.startswith(greeting), welcome[:80]


# --- digests --------------------------------------------------------------------------------


@browser_test
def test_subscribe_jump_the_clock_and_get_the_digest(chat: Chat, server: Server) -> None:
    chat.send("/subscribe daily 09:00 UTC")
    chat.wait_bot_text("09:00")
    before = len(chat.texts())
    shown_before = chat.find("clock-now").text
    chat.tab("clock")
    chat.find("clock-jump").click()
    first = explainer(server.content, "01-symptoms.md")
    digest = chat.wait_bot_text(first.summary[:40])
    assert len(chat.texts()) == before + 1
    assert first.title in digest.text
    assert digest.find_elements(By.CSS_SELECTOR, "[data-role=inline-button]")
    assert "1 digest" in chat.find("clock-result").text
    assert chat.find("clock-now").text != shown_before


# --- editing content ------------------------------------------------------------------------


@browser_test
def test_saving_a_content_file_publishes_it(chat: Chat, server: Server) -> None:
    original = chat.open_file("03-study.md")
    study = explainer(server.content, "03-study.md")
    new_title = "What the small study found"
    assert f"title: {study.title}\n" in original
    started = time.monotonic()
    assert chat.save(original.replace(f"title: {study.title}\n", f"title: {new_title}\n")) == (
        "published"
    )
    published_in = time.monotonic() - started
    assert (server.content / "03-study.md").read_text("utf-8").count(new_title) == 1
    chat.send(f"/{study.command}")
    reply = chat.wait_bot_text(new_title)
    assert reply.find_element(By.TAG_NAME, "b").text == new_title
    print(f"saved to published: {published_in:.2f}s")


@browser_test
def test_a_broken_edit_is_held_back_with_its_finding(chat: Chat, server: Server) -> None:
    original = chat.open_file("04-side-effects.md")
    side_effects = explainer(server.content, "04-side-effects.md")
    broken = original.replace(
        "sources:\n", 'sources:\n  - "A sentence that is nowhere in the article"\n', 1
    )
    assert broken != original
    try:
        assert chat.save(broken) == "held"
        findings = chat.driver.find_elements(By.CSS_SELECTOR, "[data-role=finding]")
        assert any(f.get_attribute("data-rule") == "provenance" for f in findings)
        status = chat.driver.find_element(
            By.CSS_SELECTOR,
            "[data-role=file][data-path='04-side-effects.md'] [data-role=lint-status]",
        )
        assert "held back" in status.text
        assert "provenance" in chat.find("reload-reply").text
        # The bot still serves the version that passed.
        chat.send(f"/{side_effects.command}")
        assert side_effects.title in chat.wait_bot_text(side_effects.title).text
        chat.screenshot("webchat-held-back.png")
    finally:
        assert chat.save(original) == "published"


# --- the server, without a browser ----------------------------------------------------------


@pytest.mark.slow
def test_the_page_listens_on_loopback_only(server: Server) -> None:
    port = int(server.url.rsplit(":", 1)[1].strip("/"))
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    # Another loopback address reaches every socket bound to all addresses, not this one.
    with pytest.raises(OSError), socket.create_connection(("127.0.0.2", port), timeout=5):
        pass


@pytest.mark.slow
def test_health_says_not_live_and_healthcheck_agrees(server: Server) -> None:
    port = server.url.rsplit(":", 1)[1].strip("/")
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(server.url + "healthz", timeout=10)
    assert answer.value.code == 503
    assert "no TELEGRAM_BOT_TOKEN" in answer.value.read().decode()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "healthcheck"],
        env=clean_env(HTTP_PORT=port),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1 and "503" in result.stderr


@pytest.mark.slow
def test_a_taken_port_is_one_line(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=tmp_path,
            env=clean_env(HTTP_PORT=str(port)),
            capture_output=True,
            text=True,
            timeout=90,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [errors[0]] and f"cannot listen on 127.0.0.1:{port}" in errors[0]


# --- make run -------------------------------------------------------------------------------


@pytest.mark.slow
def test_make_run_on_a_fresh_copy_serves_the_page(tmp_path: Path) -> None:
    """`make run` on a copy of the project with no .env and no token, as a newcomer would
    (with this venv linked in, so nothing is installed): the printed URL serves the page."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    copy = tmp_path / "clone"
    copy.mkdir()
    for name in ("bot", "content", "seeds"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("Makefile", "pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    (copy / ".venv").symlink_to(Path(sys.prefix))
    env = clean_env(HTTP_PORT=str(free_port()))
    env.pop("PYTHONPATH")  # the copy's own bot/, as in a clone
    process = subprocess.Popen(
        # -o: the venv counts as installed, whatever the copied pyproject's date.
        [make, "-o", ".venv/.installed", "run"],
        cwd=copy,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        url, lines = wait_for_url(process, 90)
        with urllib.request.urlopen(url, timeout=10) as response:
            page = response.read().decode()
            assert response.status == 200
        assert 'data-role="message-input"' in page
        with urllib.request.urlopen(url + "static/app.js", timeout=10) as response:
            assert response.status == 200
        assert any("TELEGRAM_BOT_TOKEN" in line for line in lines)
    finally:
        stop(process)


def test_the_page_is_package_data() -> None:
    """A plain `pip install .` ships the page: its files match pyproject's package-data."""
    import fnmatch
    import tomllib
    from importlib import resources

    from bot.devtools.webchat.server import STATIC

    static = resources.files("bot.devtools.webchat") / "static"
    names = sorted(p.name for p in static.iterdir() if p.is_file())
    assert names == sorted(STATIC)
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["bot.devtools.webchat"]
    assert all(any(fnmatch.fnmatch(f"static/{n}", p) for p in patterns) for n in names)
