"""The chapters' widgets in a real browser, and the HTML book's accessibility (issue 17 item 7).

JupyterLab 4 runs on a free local port in a temporary copy of ``notebooks/`` (fast mode in the kernels, the server
and its kernels at ``nice 19``); headless Chromium, driven by Playwright, opens every chapter that builds a widget,
runs all cells through the menu (Run > Run All Cells), and checks what a reader sees: every code cell ran, no cell
shows an error or anything on stderr, no widget shows "Error displaying widget". Then it moves every control of
every explorer (sliders to both ends by keyboard, each dropdown to another option and back, buttons, play/pause,
checkboxes) and checks that the explorer answered: the hash of its output image, its readout text or another
control's value changed, and no error appeared inside it. Last, at 1024x700 with the file browser open, every
slider keeps a track a mouse can drag and no button is stretched. A second test writes each chapter's HTML with the
package's own exporter (``vaegan_edu.book._to_html``, what ``python -m vaegan_edu.book run`` writes) and audits it
with axe-core; "serious" and "critical" violations fail.

Browser: Debian's ``chromium`` (``apt-get install chromium``; ``.ci/run`` installs it when missing), or the one
``VAEGAN_EDU_CHROMIUM`` names. Playwright's own browser download is not used. Without a browser the tests skip
and say why; with ``CI=true`` a missing browser fails them. Marked ``slow`` (a few minutes):
``pytest -m "not slow"`` leaves them out. ``pytest tests/test_browser.py -s`` prints what each move changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from vaegan_edu import book

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}
WIDGET_CALL = re.compile(r"\bwidgets\.[A-Z]\w*\(")  # ve.widgets.KLExplorer(...): a chapter that builds an explorer
SERIOUS = {"serious", "critical"}  # axe-core impacts that fail the audit

SERVER_START_S = 240  # a loaded 2-core machine: the server, then JupyterLab's page (~10 MB of JavaScript)
RUN_ALL_S = 900  # one chapter in fast mode takes 10-30 s; generous for a loaded machine
RESPONSE_S = 120  # one move of one control: a kernel round trip and a redrawn figure
PRIME_BUTTON = "step"  # explorers with this button are stepped before a move, so a reset-on-change is visible
APPLIED_AT_NEXT_STEP = {"steps/frame"}  # controls with no callback: their value is used by the next step

STDERR = '[data-mime-type="application/vnd.jupyter.stderr"]'  # JupyterLab renders errors and stderr this way

# JupyterLab's settings for the test: no news or update toasts over the page, every cell attached to the DOM
# (the default windowing leaves off-screen cells unrendered).
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def _widget_chapters() -> list[Path]:
    chapters = []
    for path in book.find_notebooks(NOTEBOOKS):
        nb = nbformat.read(path, as_version=4)
        if any(c.cell_type == "code" and WIDGET_CALL.search(c.source) for c in nb.cells):
            chapters.append(path)
    return chapters


WIDGET_CHAPTERS = _widget_chapters()


def test_the_chapters_with_widgets_are_found():
    # the search for ``widgets.Name(`` in code cells finds the explorers' chapters (01 KL ... 05 GAN lab)
    names = [p.stem[:2] for p in WIDGET_CHAPTERS]
    assert len(names) >= 4 and "01" in names, names


# === the browser ===


def _chromium_or_skip(need=("playwright",)) -> str:
    """Debian's Chromium and the Python packages, or skip saying what is missing (fail with CI=true)."""
    missing = []
    for module, dist in (("playwright", "playwright"), ("axe_playwright_python", "axe-playwright-python")):
        if module in need:
            try:
                __import__(module)
            except ImportError:
                missing.append(f"the Python package {dist} (pip install -e '.[test]')")
    chromium = os.environ.get("VAEGAN_EDU_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        missing.append("a Chromium browser on PATH (Debian: apt-get install chromium; .ci/run installs it)")
    if missing:
        message = "The browser tests need " + " and ".join(missing) + "."
        if IN_CI:
            pytest.fail(message + " CI=true: a missing browser fails the run.", pytrace=False)
        pytest.skip(message)
    return chromium


@pytest.fixture(scope="module")
def browser():
    chromium = _chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright's own Chromium download is unavailable offline: drive the system's browser
        instance = p.chromium.launch(executable_path=chromium, headless=True)
        try:
            yield instance
        finally:
            instance.close()


# === JupyterLab ===


@dataclass
class Lab:
    url: str
    token: str
    log: Path

    def api(self, path, method="GET"):
        request = urllib.request.Request(f"{self.url}/api/{path}", method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, n=3000) -> str:
        return self.log.read_text(errors="replace")[-n:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(browser, tmp_path_factory):
    """A JupyterLab server on a free port over a copy of the chapters, fast mode in its kernels, at nice 19."""
    home = tmp_path_factory.mktemp("jupyterlab")
    work = home / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    for name, values in LAB_SETTINGS.items():
        (home / "settings" / name).parent.mkdir(parents=True, exist_ok=True)
        (home / "settings" / name).write_text(json.dumps(values))
    token, port = secrets.token_hex(16), _free_port()
    env = dict(
        os.environ, VAEGAN_EDU_FAST="1", JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        IPYTHONDIR=str(home / "ipython"),
    )  # fmt: skip
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}", "--port-retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
        "--expose-app-in-browser",  # window.jupyterapp: the test reads the kernel's status from it
    ]  # fmt: skip
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = home / "server.log"
    with open(log, "w") as log_file:
        server = subprocess.Popen(command, cwd=work, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                  start_new_session=True, preexec_fn=lambda: os.nice(19))  # fmt: skip
    running = Lab(f"http://127.0.0.1:{port}", token, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            with contextlib.suppress(OSError):
                running.api("status")
                break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start (exit {server.poll()}):\n{running.log_tail()}")
            time.sleep(0.5)
        yield running
    finally:
        with contextlib.suppress(Exception):
            for kernel in running.api("kernels"):
                running.api(f"kernels/{kernel['id']}", method="DELETE")
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            pass
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # the group this fixture started: the server and its kernels


# === one chapter in JupyterLab ===

_KERNEL = """() => {
    const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
    return k ? k.status : 'none';
}"""

_NOTEBOOK_TEXT = "() => window.jupyterapp.shell.currentWidget.node.textContent"

_PROMPTS = """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim())"""

_CELL_ERRORS = """(stderr) => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-Cell')].flatMap(
    (cell, i) => [...cell.querySelectorAll(stderr)].map(o => `cell ${i}: ${o.textContent.slice(0, 1500)}`))"""

# A widget shown by a cell: an output whose child is a widget's view, not inside another widget.
_TAG_VIEWS = """() => {
    const views = [...window.jupyterapp.shell.currentWidget.node.querySelectorAll('.jp-OutputArea-output')]
        .filter(o => !o.parentElement.closest('.jupyter-widgets')
                     && [...o.children].some(c => c.classList.contains('jupyter-widgets')));
    views.forEach((v, i) => v.setAttribute('data-vt-view', i));
    return views.map(v => v.textContent.slice(0, 200));
}"""

# Tag every control of one explorer in DOM order; the Play widget is one control (its buttons are its parts).
_TAG_CONTROLS = """(view) => {
    const root = document.querySelector(`[data-vt-view="${view}"]`);
    const kinds = [['widget-play', 'play'], ['widget-slider', 'slider'], ['widget-dropdown', 'dropdown'],
                   ['widget-checkbox', 'checkbox'], ['widget-toggle-button', 'button'], ['widget-button', 'button']];
    const found = root.querySelectorAll(kinds.map(k => '.' + k[0]).join(', '));
    const controls = [];
    for (const el of found) {
        if (el.closest('.widget-output')) continue;
        if (el.parentElement.closest('.widget-play')) continue;
        const kind = kinds.find(k => el.classList.contains(k[0]))[1];
        const labelled = el.querySelector('.widget-label');
        const label = (kind === 'button' ? el.textContent : (labelled ? labelled.textContent : '')).trim();
        el.setAttribute('data-vt-control', controls.length);
        controls.push({index: controls.length, kind, label});
    }
    return controls;
}"""

# What an explorer shows: its figures, its text (HTML readouts, text in its output), the other controls' values.
_VIEW_STATE = """([view, skip, stderr]) => {
    const root = document.querySelector(`[data-vt-view="${view}"]`);
    const value = c => {
        const readout = c.querySelector('.widget-readout'), select = c.querySelector('select'),
              box = c.querySelector('input[type=checkbox]');
        return readout ? readout.textContent : select ? select.value : box ? String(box.checked) : '';
    };
    const w = window.jupyterapp.shell.currentWidget;
    const k = w.sessionContext.session && w.sessionContext.session.kernel;
    return {
        images: [...root.querySelectorAll('.widget-output img')].map(i => i.getAttribute('src') || '')
            .concat([...root.querySelectorAll('.widget-output svg')].map(e => e.outerHTML)),
        texts: [...root.querySelectorAll('.widget-html-content, .widget-output')].map(e => e.textContent.trim()),
        controls: [...root.querySelectorAll('[data-vt-control]')]
            .filter(c => c.getAttribute('data-vt-control') !== String(skip))
            .map(c => (c.querySelector('.widget-label') || {textContent: ''}).textContent + '=' + value(c)),
        errors: [...root.querySelectorAll(stderr)].map(e => e.textContent.slice(0, 1500))
            .concat(root.textContent.includes('Error displaying widget') ? ['Error displaying widget'] : []),
        kernel: k ? k.status : 'none',
    };
}"""


# The controls' geometry: every slider's track and every button (the widths a reader drags, the heights that
# stretch when a row is squeezed).
_GEOMETRY = """() => {
    const box = e => e.getBoundingClientRect();
    const node = window.jupyterapp.shell.currentWidget.node;
    return {
        tracks: [...node.querySelectorAll('.widget-slider .slider-container')].map(e => Math.round(box(e).width)),
        buttons: [...node.querySelectorAll('.widget-button, .widget-play button')]
            .map(e => Math.round(box(e).height)),
        sidebar: Math.round(box(document.querySelector('#jp-left-stack')).width),
    };
}"""
NARROW = {"width": 1024, "height": 700}  # a small laptop or a projector's resolution, JupyterLab's sidebar open
MIN_TRACK_PX = 100  # a slider track a mouse can drag (the review measured 17 px with squeezed rows)
MAX_BUTTON_PX = 48  # a button one line of text high (squeezed rows stretched them to the status line's height)


def _digest(values) -> str:
    return hashlib.sha256("\0".join(values).encode()).hexdigest()[:12]


def _what_changed(before, after) -> list[str]:
    changed = [part for part in ("images", "texts", "controls") if _digest(before[part]) != _digest(after[part])]
    if "texts" in changed:
        old, new = (" | ".join(t for t in s["texts"] if t)[:90] for s in (before, after))
        changed[changed.index("texts")] = f"text ({old!r} -> {new!r})"
    if "images" in changed:
        changed[changed.index("images")] = f"image {_digest(before['images'])} -> {_digest(after['images'])}"
    return changed


class Chapter:
    """One chapter open in JupyterLab: run it through the UI, find its explorers, move their controls."""

    def __init__(self, page, name):
        self.page, self.name, self.log = page, name, []

    def kernel(self) -> str:
        return self.page.evaluate(_KERNEL)

    def menu(self, menu: str, command: str):
        self.page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^\s*{menu}\s*$")).first.click()
        self.page.locator(f'.lm-Menu-item[data-command="{command}"]').first.click()

    def run_all(self, expected_cells: int):
        """Clear the committed outputs (Edit menu), run all cells (Run menu), wait for the kernel to finish."""
        self.menu("Edit", "editmenu:clear-all")
        self.page.wait_for_function(f"({_PROMPTS})().every(p => !/\\d/.test(p))", timeout=30_000)
        self.menu("Run", "runmenu:run-all")
        deadline, settled = time.monotonic() + RUN_ALL_S, 0
        while settled < 3:  # three quiet polls in a row: nothing queued, the kernel idle
            assert time.monotonic() < deadline, f"{self.name}: Run All did not finish; prompts {self._prompts()}"
            prompts = self._prompts()
            quiet = not any("*" in p for p in prompts) and any(re.search(r"\d", p) for p in prompts)
            settled = settled + 1 if quiet and self.kernel() == "idle" else 0
            time.sleep(0.5)
        ran = sum(bool(re.search(r"\d", p)) for p in self._prompts())
        errors = self.page.evaluate(_CELL_ERRORS, STDERR)
        assert not errors, f"{self.name}: cells show errors or stderr after Run All:\n" + "\n".join(errors)
        assert ran == expected_cells, f"{self.name}: {ran} of {expected_cells} code cells ran (Run All stopped?)"
        return ran

    def _prompts(self):
        return self.page.evaluate(_PROMPTS)

    def views(self) -> list[str]:
        return self.page.evaluate(_TAG_VIEWS)

    def state(self, view, skip=None):
        return self.page.evaluate(_VIEW_STATE, [view, -1 if skip is None else skip, STDERR])

    def await_change(self, view, skip, before, what, idle=True):
        """Poll until the explorer shows something else (and the kernel is idle again); the settled state."""
        deadline, last = time.monotonic() + RESPONSE_S, None
        while time.monotonic() < deadline:
            now = self.state(view, skip)
            assert not now["errors"], f"{self.name} {what}: the explorer shows an error:\n" + "\n".join(now["errors"])
            key = [_digest(now[p]) for p in ("images", "texts", "controls")]
            moved = key != [_digest(before[p]) for p in ("images", "texts", "controls")]
            if moved and (not idle or now["kernel"] == "idle"):
                if key == last or not idle:
                    return now
                last = key
            else:
                last = None
            time.sleep(0.4)
        pytest.fail(f"{self.name} {what}: nothing in the explorer changed within {RESPONSE_S} s "
                    f"(kernel {self.state(view)['kernel']})")  # fmt: skip

    def settle(self, view):
        """Wait until the kernel is idle and the explorer stops changing (after play, queued ticks drain)."""
        deadline, last, quiet = time.monotonic() + RESPONSE_S, None, 0
        while quiet < 3:
            assert time.monotonic() < deadline, f"{self.name}: the explorer kept changing for {RESPONSE_S} s"
            now = self.state(view)
            key = [_digest(now[p]) for p in ("images", "texts", "controls")]
            quiet = quiet + 1 if key == last and now["kernel"] == "idle" else 0
            last = key
            time.sleep(0.4)
        return now

    def control(self, view, index):
        return self.page.locator(f'[data-vt-view="{view}"] [data-vt-control="{index}"]')

    def button(self, view, controls, label):
        found = [c for c in controls if c["kind"] == "button" and c["label"] == label]
        return self.control(view, found[0]["index"]) if found else None

    def moves(self, view, c):
        """(description, action) for each position a control is moved to: a few per control."""
        loc = self.control(view, c["index"])
        if c["kind"] == "slider":
            handle = loc.locator(".noUi-handle").first
            at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            keys = ("Home", "End") if at_max else ("End", "Home")
            return [(f"slider {c['label']!r} key {key}", lambda key=key: handle.press(key)) for key in keys]
        if c["kind"] == "dropdown":
            select = loc.locator("select")
            options = select.locator("option").all_text_contents()
            current = select.evaluate("s => s.selectedIndex")
            other = len(options) - 1 if current != len(options) - 1 else 0
            return [(f"dropdown {c['label']!r} -> {options[i]!r}", lambda i=i: select.select_option(index=i))
                    for i in (other, current)]  # fmt: skip
        if c["kind"] == "checkbox":
            box = loc.locator("input[type=checkbox]")
            return [(f"checkbox {c['label']!r} click {i + 1}", box.click) for i in range(2)]
        if c["kind"] == "button":
            return [(f"button {c['label']!r}", loc.click)]
        return [("play", loc.locator("button:has(.fa-play)").click)]  # paused again by exercise()

    def exercise(self, view):
        """Move every control of one explorer; each move must change what the explorer shows."""
        controls = self.page.evaluate(_TAG_CONTROLS, view)
        if not controls:  # a widget without controls (a progress bar, say) is not an explorer
            self.log.append(f"{self.name} widget {view}: no controls")
            return controls
        prime = self.button(view, controls, PRIME_BUTTON)
        self.settle(view)
        for c in controls:
            loc = self.control(view, c["index"])
            loc.scroll_into_view_if_needed()
            unprimed = {PRIME_BUTTON, *APPLIED_AT_NEXT_STEP}  # the step button itself, and moves followed by a step
            primed = prime is not None and c["kind"] != "play" and c["label"] not in unprimed
            for what, action in self.moves(view, c):
                if primed:
                    before = self.state(view)
                    prime.click()  # a reset-on-change shows only after some training
                    self.await_change(view, None, before, f"priming {PRIME_BUTTON!r} before {what}")
                if c["label"] in APPLIED_AT_NEXT_STEP:
                    self._move_applied_at_next_step(view, c, what, action, prime)
                    continue
                before = self.state(view, c["index"])
                action()
                after = self.await_change(view, c["index"], before, what, idle=c["kind"] != "play")
                if c["kind"] == "play":
                    loc.locator("button:has(.fa-pause)").click()
                    after = self.settle(view)
                self.log.append(f"{self.name} widget {view}: {what}: {', '.join(_what_changed(before, after))}")
        return controls

    def _move_applied_at_next_step(self, view, c, what, action, prime):
        """A control read by the next step (GANLab's steps per frame): the step counter must advance by it."""
        assert prime is not None, f"{self.name}: {c['label']!r} needs a {PRIME_BUTTON!r} button"
        action()
        readout = self.control(view, c["index"]).locator(".widget-readout")
        self.page.wait_for_timeout(300)
        value = int(readout.text_content().strip())
        before = self.settle(view)
        prime.click()
        after = self.await_change(view, None, before, f"{what} then {PRIME_BUTTON!r}")
        steps = [int(m.group(1)) for s in (before, after) for m in [re.search(r"\bstep (\d+)", " ".join(s["texts"]))]
                 if m]  # fmt: skip
        assert len(steps) == 2 and steps[1] - steps[0] == value, (
            f"{self.name} {what}: one {PRIME_BUTTON!r} should advance the counter by {value}; it went {steps}")
        self.log.append(f"{self.name} widget {view}: {what} ({value}), then {PRIME_BUTTON!r}: counter {steps[0]} -> "
                        f"{steps[1]}")  # fmt: skip


@pytest.mark.parametrize("path", WIDGET_CHAPTERS, ids=lambda p: p.stem)
def test_widgets_run_and_respond_in_jupyterlab(path, lab, browser):
    nb = nbformat.read(path, as_version=4)
    code_cells = sum(c.cell_type == "code" and bool(c.source.strip()) for c in nb.cells)
    explorers = sum(len(WIDGET_CALL.findall(c.source)) for c in nb.cells if c.cell_type == "code")
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(60_000)
    page_errors, dialogs = [], []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    chapter = Chapter(page, path.stem)
    try:
        page.goto(f"{lab.url}/lab/tree/{path.name}?reset&token={lab.token}", wait_until="domcontentloaded",
                  timeout=SERVER_START_S * 1000)  # fmt: skip
        page.wait_for_function(f"({_KERNEL})() === 'idle'", timeout=SERVER_START_S * 1000)
        opened = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.path")
        assert opened == path.name
        page.wait_for_timeout(2000)  # what a reader sees on opening: the committed outputs, drawn
        committed = page.evaluate(_NOTEBOOK_TEXT)
        unsaved = page.evaluate("() => window.jupyterapp.shell.currentWidget.context.model.dirty")
        chapter.log.append(f"{path.stem} on opening, before running: unsaved changes {unsaved}, " + ", ".join(
            f"{committed.count(s)} x {s!r}" for s in ("Error displaying widget", "Loading widget...")))
        ran = chapter.run_all(code_cells)
        with contextlib.suppress(Exception):  # views still loading are reported by the assertion below
            page.wait_for_function(f"() => !({_NOTEBOOK_TEXT})().includes('Loading widget...')", timeout=60_000)
        text = page.evaluate(_NOTEBOOK_TEXT)
        assert "Error displaying widget" not in text, f"{path.stem}: a widget shows 'Error displaying widget'"
        assert "Loading widget..." not in text, f"{path.stem}: a widget is still 'Loading widget...' after the run"
        views, moved, explorers_seen = chapter.views(), 0, 0
        for view in range(len(views)):
            controls = chapter.exercise(view)
            moved += len(controls)
            explorers_seen += bool(controls)
        assert explorers_seen >= explorers, f"{path.stem}: {explorers} explorer(s) built, {explorers_seen} shown"
        page.set_viewport_size(NARROW)
        page.evaluate("() => window.jupyterapp.shell.activateById('filebrowser')")  # the sidebar open
        page.wait_for_timeout(1500)
        geometry = page.evaluate(_GEOMETRY)
        chapter.log.append(f"{path.stem} at {NARROW['width']}x{NARROW['height']} with a {geometry['sidebar']} px "
                           f"sidebar: slider tracks {geometry['tracks']} px, buttons {geometry['buttons']} px high")
        assert geometry["sidebar"] > 100, f"{path.stem}: the file browser did not open ({geometry})"
        tracks, buttons = geometry["tracks"] or [MIN_TRACK_PX], geometry["buttons"] or [0]
        assert min(tracks) >= MIN_TRACK_PX, f"{path.stem}: squeezed sliders {geometry}"
        assert max(buttons) <= MAX_BUTTON_PX, f"{path.stem}: stretched buttons {geometry}"
        assert not page.locator(".jp-Dialog").count(), f"{path.stem}: a JupyterLab dialog is open"
        assert not dialogs, f"{path.stem}: the page opened dialogs: {dialogs}"
        assert not page_errors, f"{path.stem}: errors in the page: {page_errors}"
        print(f"\n{path.stem}: {ran} code cells ran, {explorers_seen} explorer(s), {moved} control(s) moved")
        print("\n".join(chapter.log))
    except Exception:
        with contextlib.suppress(Exception):
            page.screenshot(path=str(lab.log.parent / f"{path.stem}.png"))
        print(f"screenshot and server log in {lab.log.parent}")
        raise
    finally:
        with contextlib.suppress(Exception):
            page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        context.close()


# === the HTML book ===


@pytest.mark.parametrize("path", book.find_notebooks(NOTEBOOKS), ids=lambda p: p.stem)
def test_html_book_has_no_serious_accessibility_violations(path, browser, tmp_path):
    _chromium_or_skip(need=("playwright", "axe_playwright_python"))
    from axe_playwright_python.sync_playwright import Axe

    html = tmp_path / f"{path.stem}.html"
    html.write_text(book._to_html(nbformat.read(path, as_version=4)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    try:
        # offline, as in CI: the page's CDN scripts (MathJax, the widget manager) are refused at once
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
                   else route.abort())  # fmt: skip
        page.goto(html.as_uri(), wait_until="load")
        violations = Axe().run(page).response["violations"]
    finally:
        page.close()
    found = [v for v in violations if v.get("impact") in SERIOUS]
    for v in violations:
        print(f"{path.stem}: axe {v['impact']} {v['id']} ({len(v['nodes'])} nodes): {v['help']}")
    report = [
        f"{v['impact']} {v['id']}: {v['help']} ({len(v['nodes'])} elements), e.g. "
        + "; ".join(f"{n['target']} {n['html'][:160]!r}" for n in v["nodes"][:3])
        for v in found
    ]
    assert not found, f"{path.stem}.html has serious accessibility violations:\n" + "\n".join(report)
