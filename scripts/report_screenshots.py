#!/usr/bin/env python3
"""Look at a completion report in a real browser: headless Chromium writes screenshots and measures the layout.

    python scripts/report_screenshots.py RUN_FOLDER [--out DIR] [--only completion-report|allure-tree]

Writes DIR/completion-report-{wide,narrow}.png (1280 and 800 px wide, the whole page; DIR
defaults to RUN_FOLDER.screenshots beside the run, never inside it: the run's manifest would
then name the screenshots as added files) and
prints one line per width: the page width against the window, any element that overflows
(tables and code included), and whether every status mark rendered as text. Exit 1 when
something overflows. Needs Debian's `chromium` (apt-get install chromium); offline.

The measurement runs on a copy of the page with a small script added (the report itself
allows no script): the script writes what it measured into the page's title, which
`--dump-dom` prints.

When the run folder has its Allure HTML (allure-report.html), the script also opens a copy of
it, expands every node of its tree and reads the tree back: it must group the results by
phase, then concern (the Feature), then criterion, as the catalogue does: one line says so or
names the first criterion out of place (exit 1), and DIR/allure-tree.png shows the tree
expanded. ``--only`` looks at one of the two pages.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars"]
WIDTHS = {"wide": 1280, "narrow": 800}

_MEASURE = """<script>
window.addEventListener('load', () => {
  const width = document.documentElement.clientWidth;
  const over = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > width + 1 || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === 'visible'
        && el.clientWidth > 0 && ['TABLE', 'PRE', 'CODE', 'TD', 'IMG'].includes(el.tagName)) {
      over.push(el.tagName + ':' + (el.textContent || el.alt || '').trim().slice(0, 40));
    }
  }
  const statuses = [...document.querySelectorAll('.st')].map(s => s.textContent.trim());
  const images = [...document.images].map(i => i.naturalWidth > 0);
  document.title = 'MEASURED ' + JSON.stringify({width, scrollWidth: document.documentElement.scrollWidth,
    pageHeight: document.documentElement.scrollHeight,
    overflowing: over.slice(0, 10), statuses: statuses.length, statusWords: [...new Set(statuses)],
    images: images.length, imagesLoaded: images.filter(Boolean).length});
});
</script>"""


# Expands every collapsed node of the Allure 3 tree (a section whose wrapper holds no tree-content yet),
# round after round, then writes each section and leaf with its depth into the title.
_TREE = """<script>
window.addEventListener('load', () => {
  let rounds = 0;
  const step = () => {
    const closed = [...document.querySelectorAll('[data-testid=tree-section]')].filter(
      s => !s.parentElement.querySelector(':scope > [data-testid=tree-content]'));
    if (closed.length && rounds++ < 12) {
      closed.forEach(s => s.querySelector('[data-testid=tree-arrow]').click());
      setTimeout(step, 300);
      return;
    }
    const depth = el => { let d = 0; for (let p = el.parentElement; p; p = p.parentElement) {
      if (p.dataset && p.dataset.testid === 'tree-content') d++; } return d; };
    const nodes = [...document.querySelectorAll('[data-testid=tree-section-title], [data-testid=tree-leaf-title]')]
      .map(t => [depth(t), t.dataset.testid === 'tree-leaf-title' ? 'leaf' : 'node', t.textContent.trim()]);
    document.title = 'TREE ' + JSON.stringify({closed: closed.length, nodes});
  };
  setTimeout(step, 1500);
});
</script>"""


def expected_tree(run: Path) -> set[tuple[str, str, str]]:
    """(phase, concern, "ID title") of every criterion the run judged, from run.json."""
    data = json.loads((run / "run.json").read_text(encoding="utf-8"))
    phase = (data.get("phase") or {}).get("title") or "?"
    return {(phase, entry.get("concern") or "", f"{cid} {entry.get('title') or ''}")
            for cid, entry in (data.get("criteria") or {}).items()}


def allure_tree(page: Path, out: Path, work: Path) -> list[tuple[int, str, str]]:
    """The Allure page's tree, every node expanded: (depth, node or leaf, title) in page order."""
    probe = work / "allure-tree.html"
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _TREE + "</body>"), encoding="utf-8")
    import html as _html

    # A busy machine can spend the virtual-time budget before the page has drawn anything: an empty tree is asked
    # for once more, with four times the budget, before it is judged.
    for attempt, budget in enumerate((15000, 60000)):
        done = _run(["--window-size=1280,1000", f"--virtual-time-budget={budget}", "--dump-dom", probe.as_uri()],
                    work / f"profile-tree-{attempt}")
        match = re.search(r"<title>TREE (.*?)</title>", done.stdout, re.S)
        if not match:
            raise SystemExit(f"report_screenshots: no tree from chromium ({done.stderr.strip()[-200:]})")
        nodes = [tuple(n) for n in json.loads(_html.unescape(match.group(1)))["nodes"]]
        if nodes:
            break
    height = min(16000, 700 + 32 * len(nodes))
    _run([f"--window-size=1280,{height}", "--virtual-time-budget=15000", f"--screenshot={out}", probe.as_uri()],
         work / "profile-tree-shot")
    return nodes


def tree_paths(nodes: list[tuple[int, str, str]]) -> tuple[set[tuple[str, ...]], int]:
    """Each leaf's path of section titles, and how many leaves there are."""
    path: list[str] = []
    paths, leaves = set(), 0
    base = min((depth for depth, _, _ in nodes), default=0)  # the tree's own root is a tree-content too
    for depth, kind, title in nodes:
        del path[depth - base:]
        if kind == "node":
            path.append(title)
        else:
            paths.add(tuple(path))
            leaves += 1
    return paths, leaves


def check_tree(run: Path, nodes: list[tuple[int, str, str]]) -> str | None:
    """None when every criterion's results sit under phase > concern > criterion; else what is out of place."""
    paths, _ = tree_paths(nodes)
    for want in sorted(expected_tree(run)):
        if want not in paths:
            near = sorted(p for p in paths if p and p[-1] == want[-1]) or sorted(paths)[:1]
            return f"{' > '.join(want)} is not a node of the tree (found {' > '.join(near[0]) if near else 'nothing'})"
    return None


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        sys.exit("report_screenshots: chromium is not installed (apt-get install chromium)")
    return found


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    return subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120)


def measure(page: Path, width: int, work: Path) -> dict:
    text = page.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)  # the copy may run the script
    probe = work / f"probe-{width}.html"
    probe.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
    done = _run([f"--window-size={width},1000", "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                work / f"profile-measure-{width}")
    match = re.search(r"<title>MEASURED (.*?)</title>", done.stdout, re.S)
    if not match:
        raise SystemExit(f"report_screenshots: no measurement from chromium ({done.stderr.strip()[-200:]})")
    import html as _html

    return json.loads(_html.unescape(match.group(1)))


def screenshot(page: Path, width: int, out: Path, work: Path, height: int) -> None:
    _run([f"--window-size={width},{height}", f"--screenshot={out}", page.as_uri()], work / f"profile-shot-{width}")
    if not out.is_file():
        raise SystemExit(f"report_screenshots: chromium wrote no screenshot for width {width}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path, help="run folder holding completion-report.html")
    parser.add_argument("--out", type=Path, default=None,
                        help="where the screenshots go (default: RUN.screenshots, beside the run folder)")
    parser.add_argument("--height", type=int, default=0, help="screenshot height (default: the page's height)")
    parser.add_argument("--only", choices=("completion-report", "allure-tree"), default=None,
                        help="look at this page only (each width, or the tree, is a Chromium of its own)")
    args = parser.parse_args(argv)
    page = (args.run / "completion-report.html").resolve()
    if not page.is_file():
        sys.exit(f"report_screenshots: {page} not found")
    out = (args.out or args.run.resolve().with_name(args.run.resolve().name + ".screenshots")).resolve()
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    with tempfile.TemporaryDirectory(prefix="phasegate-chromium-") as tmp:
        work = Path(tmp)
        for name, width in WIDTHS.items() if args.only != "allure-tree" else ():
            found = measure(page, width, work)
            height = args.height or min(16000, max(1000, int(found.get("pageHeight", 0)) or 9000))
            shot = out / f"completion-report-{name}.png"
            screenshot(page, width, shot, work, height)
            fits = found["scrollWidth"] <= found["width"] and not found["overflowing"]
            failed |= not fits
            print(f"{name} {width}px: page {found['scrollWidth']}px in a {found['width']}px window, "
                  f"{'fits' if fits else 'OVERFLOWS: ' + '; '.join(found['overflowing'])}; "
                  f"{found['statuses']} status badges {found['statusWords']}; "
                  f"{found['imagesLoaded']}/{found['images']} images shown; screenshot {shot}")
        allure = args.run.resolve() / "allure-report.html"
        if args.only == "allure-tree" and not allure.is_file():
            sys.exit(f"report_screenshots: {allure} not found")
        if allure.is_file() and args.only != "completion-report":
            shot = out / "allure-tree.png"
            nodes = allure_tree(allure, shot, work)
            wrong = check_tree(args.run.resolve(), nodes)
            paths, leaves = tree_paths(nodes)
            failed |= wrong is not None
            tops = sorted({p[0] for p in paths if p})
            print(f"allure tree: {len(tops)} top node(s) ({', '.join(tops)}), {leaves} results under "
                  f"{len(paths)} criterion node(s); "
                  f"{'every criterion under its phase > concern > criterion' if wrong is None else 'WRONG: ' + wrong}"
                  f"; screenshot {shot}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
