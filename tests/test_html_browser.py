"""The printable HTML report in a real browser: headless Chromium prints every sample to PDF (one
page break per item) and its DOM shows every item. Skipped where no Chromium is installed."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from engine.knowledge.case_files import load_cases
from engine.decide.record import decide
from engine.report.decision_report import render_html
from tests.conftest import ROOT

SAMPLES = sorted((ROOT / "cases" / "real" / "letters").glob("*.yaml"))
BROWSER = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TIMEOUT = 60

pytestmark = pytest.mark.skipif(
    BROWSER is None, reason="no headless Chromium installed (apt-get install chromium); HTML report not checked in a browser")


def _run(jobs: list[tuple[Path, Path, Path, Path]]) -> None:
    """Print each page to PDF and dump its DOM in one chromium run; runs go concurrently."""
    running = []
    for page, pdf, dom, profile in jobs:
        args = [BROWSER, *FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                "--dump-dom", page.as_uri()]
        sink = dom.open("wb")
        running.append((subprocess.Popen(args, stdout=sink, stderr=subprocess.PIPE), sink, page))
    for proc, sink, page in running:
        try:
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            sink.close()
        assert proc.returncode == 0, f"chromium failed on {page.name}: {err.decode(errors='replace')[-500:]}"


def _pages(pdf: bytes) -> int:
    """Page count from the root /Pages node (the one without a /Parent)."""
    roots = [body for body in re.findall(rb"<<\s*/Type\s*/Pages\b(.*?)>>", pdf, re.S) if b"/Parent" not in body]
    counts = [int(m) for body in roots for m in re.findall(rb"/Count\s+(\d+)", body)]
    return max(counts, default=0)


class _Items(HTMLParser):
    def __init__(self):
        super().__init__()
        self.items: list[str] = []
        self.headings: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and attrs.get("class") == "item":
            self.items.append(attrs.get("data-item", ""))
        self._in_h2 = tag == "h2"

    def handle_data(self, data):
        if self._in_h2 and data.strip():
            self.headings.append(data.strip())
            self._in_h2 = False


@pytest.fixture(scope="module")
def printed(pack, tmp_path_factory):
    """Every sample's report printed to PDF and dumped as DOM, in parallel (two at a time)."""
    base = tmp_path_factory.mktemp("browser")
    jobs, out = [], {}
    for path in SAMPLES:
        loaded = load_cases(path)[0]
        record = decide(loaded.case, loaded.name, pack)
        page = base / f"{path.stem}.html"
        page.write_text(render_html(record), encoding="utf-8")
        pdf, dom = base / f"{path.stem}.pdf", base / f"{path.stem}.dom.html"
        out[path.stem] = (record, pdf, dom)
        jobs.append((page, pdf, dom, base / f"{path.stem}-profile"))
    for start in range(0, len(jobs), 2):
        _run(jobs[start:start + 2])
    return out


@pytest.mark.parametrize("stem", [p.stem for p in SAMPLES])
def test_html_report_prints_to_a_pdf_with_a_page_per_item(printed, stem):
    record, pdf, _ = printed[stem]
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:]
    assert len(data) > 20_000
    # header page, one page break before each item and before the evaluation order
    assert _pages(data) >= len(record.decision.items) + 2


@pytest.mark.parametrize("stem", [p.stem for p in SAMPLES])
def test_browser_dom_shows_every_item(printed, stem):
    record, _, dom = printed[stem]
    parser = _Items()
    parser.feed(dom.read_text(encoding="utf-8", errors="replace"))
    assert parser.items == [item.id for item in record.decision.items]
    for item in record.decision.items:
        assert f"Item {item.id}: {item.request}" in parser.headings
