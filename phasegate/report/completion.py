"""The completion report, in the shape of the hand-written one it replaces, drawn from results.

Every line that claims something is a criterion result (✅ passed, ❌ failed or broken,
⚠ waived, ⏭ skipped, ➖ not run) linked to its evidence. The seed's claims that no machine
can check are listed under *Not verifiable as written*, and *The hand-written report, line by
line* gives every check-marked line of the document the phase replaces with today's verdict of
what accounts for it (its claims table, :mod:`phasegate.catalogue.claims`). One document model renders
to Markdown and to self-contained HTML (no external script, font or stylesheet).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass

from ..catalogue import claims as _claims
from .gate import SIGNABLE, assess
from .model import HTML_REPORT, Result, Run, iso, provenance_lines

# --- a tiny document model ---------------------------------------------------------------------


@dataclass
class Link:
    text: str
    href: str


@dataclass
class Code:
    text: str


@dataclass
class Status:
    """A criterion's status: a word with its mark (an emoji in Markdown, a plain mark and colour in HTML)."""

    word: str


@dataclass
class Image:
    label: str
    href: str  # relative to the run folder: Markdown links it
    data_uri: str  # the HTML shows it inline (the page allows data: images only)


@dataclass
class Verdict:
    """A claim's verdict in the ledger: a mark and a word (the same in Markdown and HTML: no emoji)."""

    word: str
    note: str = ""


LEDGER_MARK = {"passed": "✔", "failed": "✘", "broken": "!", "waived": "⚠", "skipped": "–", "pending": "…",
               "not run": "·", "not applicable": "·"}
MD_MARK = {"passed": "✅", "failed": "❌", "broken": "❌", "waived": "⚠", "skipped": "⏭", "not run": "➖",
           "pending": "⏳"}
# Marks every common font has (emoji fonts are often missing, and then show as empty boxes).
HTML_MARK = {"passed": "✓", "failed": "✗", "broken": "✗", "waived": "!", "skipped": "–", "not run": "·",
             "pending": "…"}


class Doc:
    def __init__(self) -> None:
        self.blocks: list[tuple] = []

    def h(self, level: int, *inline) -> None:
        self.blocks.append(("h", level, list(inline)))

    def p(self, *inline) -> None:
        self.blocks.append(("p", list(inline)))

    def li(self, *inline, detail: str | None = None, images: tuple = ()) -> None:
        """A list item; ``detail`` (a message, its lines kept) and ``images`` are shown under it."""
        self.blocks.append(("li", list(inline), detail, tuple(images)))

    def table(self, header: list[str], rows: list[list]) -> None:
        self.blocks.append(("table", header, rows))

    def pre(self, text: str) -> None:
        self.blocks.append(("pre", text))


def _md_inline(parts) -> str:
    out = []
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, Link):
            out.append(f"[{part.text}]({part.href})")
        elif isinstance(part, Code):
            out.append(f"`{part.text}`")
        elif isinstance(part, Status):
            out.append(f"{MD_MARK.get(part.word, '?')} **{part.word}**")
        elif isinstance(part, Verdict):
            mark = LEDGER_MARK.get(part.word)
            out.append((f"{mark} **{part.word}**" if mark else part.word) + part.note)
        else:
            out.append(str(part))
    return "".join(out)


def _html_inline(parts) -> str:
    out = []
    for part in parts if isinstance(parts, list) else [parts]:
        if isinstance(part, Link):
            out.append(f'<a href="{html.escape(part.href, quote=True)}">{html.escape(part.text)}</a>')
        elif isinstance(part, Code):
            out.append(f"<code>{html.escape(part.text)}</code>")
        elif isinstance(part, Status):
            word = html.escape(part.word)
            out.append(f'<span class="st st-{word.replace(" ", "-")}">{HTML_MARK.get(part.word, "?")} {word}</span>')
        elif isinstance(part, Verdict):
            word, mark = html.escape(part.word), LEDGER_MARK.get(part.word)
            shown = f'<span class="st st-{word.replace(" ", "-")}">{mark} {word}</span>' if mark else word
            out.append(shown + html.escape(part.note))
        else:
            text = html.escape(str(part), quote=False)
            text = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", text)
            out.append(re.sub(r"`([^`]+)`", r"<code>\1</code>", text))
    return "".join(out)


def to_markdown(doc: Doc) -> str:
    lines: list[str] = []
    previous = None
    for block in doc.blocks:
        kind = block[0]
        if kind != "li" and previous == "li":
            lines.append("")
        if kind == "h":
            lines.extend(["#" * block[1] + " " + _md_inline(block[2]), ""])
        elif kind == "p":
            lines.extend([_md_inline(block[1]), ""])
        elif kind == "li":
            lines.append("- " + _md_inline(block[1]))
            if block[2]:
                lines.extend(["", "  ```", *[f"  {ln}" for ln in block[2].splitlines()], "  ```", ""])
            for image in block[3]:
                lines.extend(["", f"  ![{image.label}]({image.href})", ""])
        elif kind == "table":
            header, rows = block[1], block[2]
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            for row in rows:
                lines.append("| " + " | ".join(_md_inline(c).replace("|", "\\|") for c in row) + " |")
            lines.append("")
        elif kind == "pre":
            lines.extend(["```", block[1].rstrip("\n"), "```", ""])
        previous = kind
    return "\n".join(lines).rstrip("\n") + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#1b1b1b}
h1{font-size:1.6rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0;width:100%;font-size:.9rem}td,th{border:1px solid #ccc;
padding:.25rem .4rem;text-align:left;vertical-align:top;overflow-wrap:break-word}td code{word-break:break-all}
code,pre{background:#f4f4f4;border-radius:3px;overflow-wrap:anywhere}pre{padding:.5rem;white-space:pre-wrap;margin:.3rem 0}
.st{display:inline-block;min-width:5.5rem;font-weight:bold;padding:0 .3rem;border-radius:3px}
.st-passed{color:#11632a;background:#e3f4e8}.st-failed,.st-broken{color:#9b1c1c;background:#fde8e8}
.st-waived{color:#7a5200;background:#fff3cd}
.st-skipped,.st-not-run,.st-pending{color:#555;background:#eee}
figure{margin:.4rem 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{font-size:.85rem;color:#555}
.sandbox{background:#fff3cd;border:2px solid #d39e00;padding:.5rem 1rem;font-weight:bold}
ul{padding-left:1.4rem}li{margin:.15rem 0}
"""


def to_html(doc: Doc, title: str, sandbox: bool) -> str:
    first = "<!DOCTYPE html>" + ("<!-- SANDBOX run: simulated Render and database, never a sign-off -->"
                                 if sandbox else "")
    out = [first, '<html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
           "img-src data:\">",
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"]
    if sandbox:
        out.append('<p class="sandbox">SANDBOX run: a simulated Render and database. Not a sign-off.</p>')
    in_list = False
    for block in doc.blocks:
        kind = block[0]
        if kind == "li" and not in_list:
            out.append("<ul>")
            in_list = True
        elif kind != "li" and in_list:
            out.append("</ul>")
            in_list = False
        if kind == "h":
            out.append(f"<h{block[1]}>{_html_inline(block[2])}</h{block[1]}>")
        elif kind == "p":
            out.append(f"<p>{_html_inline(block[1])}</p>")
        elif kind == "li":
            detail = f"<pre>{html.escape(block[2])}</pre>" if block[2] else ""
            images = "".join(f'<figure><img src="{image.data_uri}" alt="{html.escape(image.label, quote=True)}">'
                             f"<figcaption>{html.escape(image.label)}</figcaption></figure>" for image in block[3])
            out.append(f"<li>{_html_inline(block[1])}{detail}{images}</li>")
        elif kind == "table":
            out.append("<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in block[1]) + "</tr>")
            for row in block[2]:
                out.append("<tr>" + "".join(f"<td>{_html_inline(c)}</td>" for c in row) + "</tr>")
            out.append("</table>")
        elif kind == "pre":
            out.append(f"<pre>{html.escape(block[1])}</pre>")
    if in_list:
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# --- the report --------------------------------------------------------------------------------

def _evidence_parts(result: Result) -> list:
    """Links named by what each file holds; images are shown, not linked."""
    files = [ev for ev in result.evidence if not ev.kind.startswith("image/")]
    if not files:
        return []
    parts: list = [" · evidence: "]
    for i, ev in enumerate(files):
        parts.extend([", "] if i else [])
        parts.append(Link(ev.label, ev.href))
    return parts


def _images(run: Run, result: Result) -> list[Image]:
    images = []
    for ev in result.evidence:
        if ev.kind.startswith("image/"):
            path = run.folder / ev.href
            try:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
            except OSError:
                continue
            images.append(Image(ev.label, ev.href, f"data:{ev.kind};base64,{data}"))
    return images


def criterion_line(doc: Doc, result: Result, label: str | None = None, value=None, run: Run | None = None) -> None:
    """One criterion, once: status word and mark, ID, claim, value, evidence; its message and charts below."""
    parts: list = [Status("pending" if result.pending else result.status), f" {result.id} "]
    parts.append(label if label else result.title)
    if value is not None:
        parts.extend([": ", Code(str(value))])
    if result.pending:
        parts.append(" — not yet executable" + (f" ({result.verdict_text()})" if result.status == "waived" else ""))
    elif result.status not in ("passed", "failed", "broken"):
        parts.append(f" — {result.verdict_text()}")
    elif result.status != "passed" and result.judged and result.judged.waiver_state == "expired":
        parts.append(f" — {result.verdict_text()}")
    parts.extend(_evidence_parts(result))
    message = "\n".join(m for m in result.messages if m) if result.status in ("failed", "broken", "waived") else None
    doc.li(*parts, detail=message or None, images=_images(run, result) if run is not None else ())


def _minute(stamp) -> str:
    """``2025-10-15T09:30:00.118320Z`` -> ``2025-10-15 09:30``: a table cell a person reads (the snapshot has the rest)."""
    match = re.match(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)", str(stamp or ""))
    return f"{match.group(1)} {match.group(2)}" if match else (str(stamp) if stamp else "—")


def _service_value(run: Run, field: str):
    service = run.service()
    if not service:
        return None
    value = service.get(field)
    return "null" if value is None else value


def _env_value(run: Run, key: str):
    env = (run.snapshot.get("staging") or {}).get("env") or {}
    entry = env.get(key)
    return None if entry is None else entry.get("value")


def section_of(report: dict) -> dict[str, str]:
    """Criterion -> the hand-written report's section it appears in (its first line there)."""
    found: dict[str, str] = {}
    for section in report.get("sections") or []:
        for line in section.get("lines") or []:
            found.setdefault(line if isinstance(line, str) else line["criterion"], section["heading"])
    return found


def _line_value(run: Run, source: str | None):
    """``service.<field>`` of the service under test, ``env.<KEY>`` of its effective environment."""
    if not source:
        return None
    kind, _, name = source.partition(".")
    if kind == "service":
        return _service_value(run, name)
    if kind == "env":
        return _env_value(run, name)
    raise ValueError(f"unknown report value {source!r}: service.<field> or env.<KEY>")


def _block(doc: Doc, run: Run, name: str) -> None:
    """Facts of the run a phase's report may show beside its criteria."""
    if name == "dashboard":
        service = run.service()
        if service.get("dashboard_url"):
            doc.p("Render dashboard: ", Link(service["dashboard_url"], service["dashboard_url"]))
    elif name == "database_source":
        db = run.snapshot.get("database") or {}
        if db.get("source"):
            doc.p(f"Read through: {db.get('source')}.")
    elif name == "deploys":
        deploys = (run.snapshot.get("staging") or {}).get("deploys") or []
        if deploys:
            rows = [[_minute(x.get("created_at")), _minute(x.get("finished_at")), Code(str(x.get("id"))),
                     str(x.get("status")), str(x.get("trigger") or ""),
                     (Code(str(x["commit_id"])[:12]) if x.get("commit_id") else "—"),
                     " ".join(str(x.get("commit_message") or "").split())[:100]] for x in deploys]
            doc.table(["created (UTC)", "finished (UTC)", "deploy", "status", "trigger", "commit", "message"], rows)
        else:
            doc.p("No deploy list was read in this run.")
    else:
        raise ValueError(f"unknown report block {name!r}: dashboard, database_source or deploys")


def _section(doc: Doc, run: Run, section: dict, sections: dict[str, str]) -> None:
    """One section of the hand-written report, as the phase file lays it out."""
    r = run.results
    doc.h(2, section["heading"])
    if section.get("subheading"):
        doc.h(3, section["subheading"])
    if section.get("note_before"):
        doc.p(section["note_before"])
    for name in section.get("blocks_before") or []:
        _block(doc, run, name)
    if section.get("by_concern"):
        concerns: dict[str, list[Result]] = {}
        for res in r.values():
            concerns.setdefault(res.concern or "Other", []).append(res)
        for concern, items in concerns.items():
            doc.h(3, concern)
            for res in items:
                criterion_line(doc, res, run=run)
    for line in section.get("lines") or []:
        line = {"criterion": line} if isinstance(line, str) else line
        res = r[line["criterion"]]
        label = line.get("label")
        criterion_line(doc, res, label.replace("{title}", res.title) if label else None,
                       _line_value(run, line.get("value")), run)
    for issue in section.get("issues") or []:  # each judged in its own section: named here, not repeated
        cid = issue["criterion"]
        doc.li(f"{issue['problem']} — guarded by {cid} ({sections.get(cid, 'below')}): ", Status(r[cid].status))
    if section.get("note_after"):
        doc.p(section["note_after"])
    for name in section.get("blocks_after") or []:
        _block(doc, run, name)


def build_document(run: Run, signoff: dict | None = None, appendix: str | None = None) -> tuple[Doc, str]:
    d = run.data
    r = run.results
    service_name = d.get("service_name") or "the worker"
    title = f"{run.phase.report.get('title') or run.phase.title + ' Completion Report'}: {service_name}"
    doc = Doc()
    gate = assess(run)
    partial = ""
    if run.partial:  # said on the first line: a partial run is never mistaken for the phase's report
        missing = [x.id for x in run.results.values() if x.status == "not run"]
        partial = "PARTIAL RUN" + (f" (not run: {', '.join(missing)})" if missing else f" ({run.state})") + " — "
    if run.sandbox:
        doc.h(1, f"SANDBOX — {partial}{title} (simulated; not a sign-off)")
    else:
        doc.h(1, f"{partial}{title}")

    counts = run.counts()
    blocking = run.blocking()
    sections = section_of(run.phase.report)
    if gate.code == SIGNABLE:
        waived = [x.id for x in run.results.values() if x.status == "waived"]
        verdict = ("COMPLETE WITH WAIVERS — " + ", ".join(waived)) if waived else \
            "COMPLETE — every criterion of the phase passed"
    else:
        verdict = f"NOT SIGNABLE ({gate.label}) — " + "; ".join(gate.reasons)
    doc.p("**Environment**: ", Code(str(d.get("environment"))),
          f" (profile {d.get('profile')}" + (f", sandbox world {d.get('sandbox_world')!r}" if run.sandbox else "")
          + ")  ")
    doc.p("**Service**: ", Code(str(service_name)), "  ")
    doc.p(f"**Snapshot taken**: {d.get('snapshot_taken_at') or 'not taken'} · **Run finished**: "
          f"{d.get('finished_at')} · **Waivers judged as of**: {iso(run.as_of)}  ")
    doc.p(f"**Suite**: phasegate {d.get('phasegate_version')} at commit ", Code(str(d.get("git_commit"))), "  ")
    doc.p(f"**Status**: {verdict}")

    doc.h(2, "Provenance")
    doc.p("What this run read, as connected (no secret is recorded):")
    for line in provenance_lines(run.provenance, d.get("api_url")):
        doc.li(line)
    if run.state != "finished":
        doc.li(f"Session: {run.state} — the run did not reach its end")
    selection = d.get("selection") or {}
    if selection.get("args"):
        doc.li("Invoked as: ", Code("pytest " + " ".join(selection["args"])))

    doc.h(2, "Executive Summary")
    doc.p(f"{len(run.ran)} of {len(r)} {run.phase.title} criteria were judged in this run against "
          + ("a simulated Render and database (SANDBOX). " if run.sandbox else f"{d.get('api_url')}. ")
          + f"Passed {counts['passed']}, failed {counts['failed']}, broken {counts['broken']}, "
          f"waived {counts['waived']}, skipped {counts['skipped']}, not run {counts['not run']}. "
          "Each criterion appears once below, in the section of the hand-written report it replaces, with "
          "its evidence; claims that no machine can check are listed under \"Not verifiable as written\".")
    pending = [x for x in r.values() if x.pending]
    if pending:
        doc.p(f"Pending (not yet executable, counted as skipped): {', '.join(x.id for x in pending)}. A pending "
              "criterion is never a verdict: the phase cannot be signed until each has real steps or its claim is "
              "moved to not verifiable.")
    ledger = _ledger(run)
    if ledger:
        contradicted = sum(1 for _entry, word, _note in ledger if word in ("failed", "broken"))
        doc.p(f"The hand-written report ({run.phase.hand_written['file']}): "
              f"{_claims.summary([entry for entry, _w, _n in ledger])}; this run contradicts {contradicted} "
              "(see \"The hand-written report, line by line\").")
    if blocking:
        doc.p("Blocking: " + ", ".join(f"{x.id} {x.status} ({sections.get(x.id, 'below')})" for x in blocking)
              + ".")
    doc.p("Full evidence: ", Link("Allure report (single file)", HTML_REPORT), " and ",
          Link("raw Allure results", "allure-results/"), ".")

    for section in run.phase.report.get("sections") or []:
        _section(doc, run, section, sections)

    policy = run.data.get("policy") or []
    if policy:
        doc.h(2, "Environment-wide policy")
        doc.p("Every service of the environment matching the profile's POLICY_SERVICE_PATTERN, one result each.")
        for scenario in policy:
            name = scenario["name"].split("[", 1)[-1].rstrip("]")
            message = (scenario.get("message") or "").strip()
            doc.li(Status(scenario["outcome"]), f" {name}",
                   detail=message if scenario["outcome"] != "passed" and message else None)

    doc.h(2, "Not verifiable as written")
    not_verifiable = _not_verifiable(run.phase)
    if not not_verifiable:  # the summary points here: say why nothing is listed
        doc.p(f"None: every claim of the hand-written report for {run.phase.title} is a criterion above.")
    else:
        doc.p("Claims of the hand-written report that no machine can check as worded. They are not counted as "
              "passed; the closest criterion is given where one exists.")
    for item in not_verifiable:
        parts: list = [f"\"{item['claim']}\" — not verifiable: {item['why']}."]
        closest = [_closest(run, c) for c in item.get("closest") or []]
        if any(closest):
            parts.append(" Closest: " + ", ".join(c for c in closest if c))
        doc.li(*parts)

    if ledger:
        _ledger_section(doc, run, ledger, gate)

    doc.h(2, "Next Steps")
    if run.sandbox:
        doc.li("This is a SANDBOX run: run `pytest -m staging` against the real staging service for a sign-off.")
    for x in blocking:
        doc.li(Status(x.status), f" Fix {x.id} ({x.title}), or record a waiver in environments/"
               f"{d.get('environment')}.waivers.yaml, then run again.")
    for x in run.ran:
        if x.judged and x.judged.waiver_state == "expired":
            doc.li(f"Waiver for {x.id} expired {x.judged.waiver.expires.isoformat()}: renew it or fix the criterion.")
        elif x.status == "waived":
            doc.li(Status("waived"), f" {x.id} is waived until {x.judged.waiver.expires.isoformat()}: fix it before then.")
    for x in run.ran:
        if x.pending:
            doc.li(Status("pending"), f" {x.id} ({x.title}) is not yet executable: give its scenario real steps, or "
                   "move the claim to not_verifiable in phase.yaml with a reason and remove the scenario.")
        elif x.status == "skipped":
            doc.li(Status("skipped"), f" {x.id} ({x.verdict_text()}): configure it to have it judged.")
    if run.not_run:
        doc.li("Not run in this run: " + ", ".join(x.id for x in run.not_run) + ". Run the whole phase "
               "(`pytest -m staging`), or waive what is deliberately not run.")
    if gate.code == SIGNABLE and not signoff:
        doc.li("Sign off: `phasegate signoff RUN --key KEY --signer \"Name <email>\"`.")
    if run.phase.report.get("next_phase"):
        doc.li(run.phase.report["next_phase"])

    doc.h(2, "Sign-off")
    if signoff:
        doc.li(f"Signed by: {signoff['signer']}")
        doc.li(f"Signed at (UTC): {signoff['signed_at']}")
        doc.li(f"Verdict: {signoff['verdict']}")
        doc.p("The signature (manifest.json.sig, OpenSSH, namespace \"phasegate\") covers manifest.json, which "
              "holds the SHA-256 of this report and of every evidence file, and of attestation.intoto.json "
              "(the same verdicts as an in-toto test-result Statement whose subjects are this folder's files). "
              "Check them with `phasegate verify RUN --allowed-signers FILE`.")
    else:
        doc.p("Unsigned." + (" A sandbox run cannot be signed." if run.sandbox else ""))

    if appendix:
        doc.h(2, "Appendix: changes since the previous run")
        doc.pre(appendix)
    return doc, title


def _not_verifiable(phase) -> list[dict]:
    """The phase's not-verifiable claims: its claims table's, else (a run recorded before it) report.not_verifiable."""
    if phase.claims:
        return [{"claim": c.text, "why": c.reason, "closest": list(c.criteria)}
                for c in phase.claims_table().values() if c.status == _claims.NOT_VERIFIABLE]
    return phase.report.get("not_verifiable") or []


def _closest(run: Run, cid: str) -> str:
    """``<ID> passed`` for a criterion of this run, ``<ID> (Phase N)`` for another phase's; else nothing."""
    if cid in run.results:
        return f"{cid} {run.results[cid].status}"
    other = run.phase.others.get(cid)
    return f"{cid} ({other})" if other else ""


def _ledger(run: Run) -> list[tuple]:
    """(entry, verdict word, note) for each claim line of the hand-written report, in document order."""
    lines = [_claims.ClaimLine(*line) for line in (run.phase.hand_written or {}).get("lines") or []]
    if not lines:
        return []
    out = []
    for entry in _claims.account(lines, run.phase.claims_table()):
        word, note = "", ""
        if entry.status == _claims.CRITERIA:
            here = [c for c in entry.criteria if c in run.results]
            elsewhere = [c for c in entry.criteria if c not in run.results]
            word = _claims.worst("pending" if run.results[c].pending else run.results[c].status for c in here) or ""
            if elsewhere:
                phases = sorted({run.phase.others.get(c, "another phase") for c in elsewhere})
                note = (" (and " if word else "") + f"judged in {', '.join(phases)}'s run" + (")" if word else "")
        out.append((entry, word, note))
    return out


def _ledger_section(doc: Doc, run: Run, ledger: list[tuple], gate) -> None:
    doc.h(2, "The hand-written report, line by line")
    doc.p(f"Every line of {run.phase.hand_written['file']} with a check mark, in its order, with what accounts for "
          "it and today's verdict: ✔ passed, ✘ failed, ! broken (the worst of its criteria), the phase verdict, "
          "or not verifiable and why.")
    if run.phase.others:
        doc.p(f"Criteria of another phase are judged in that phase's own run; `phasegate audit features/"
              f"{run.phase.name}/{run.phase.hand_written['file']} --run reports/{run.data.get('environment')}` "
              "shows every claim with the newest run of each phase.")
    verdict = "COMPLETE" if gate.code == SIGNABLE else f"NOT SIGNABLE ({gate.label})"
    rows = []
    for entry, word, note in ledger:
        if entry.status == _claims.CRITERIA:
            by = ", ".join(entry.criteria)
            today: object = Verdict(word, note) if word else Verdict(note.strip())
        elif entry.status == _claims.PHASE_VERDICT:
            by, today = "phase verdict", Verdict(f"phase verdict: {verdict}")
        elif entry.status == _claims.NOT_VERIFIABLE:
            by = "not verifiable" + (f" (closest {', '.join(entry.criteria)})" if entry.criteria else "")
            today = Verdict(f"not verifiable: {entry.reason}")
        else:
            by, today = "**unmapped**", Verdict("not accounted for: no entry in the claims table")
        rows.append([str(entry.line.line), _claims.shown(entry.line.raw), by, today])
    doc.table(["line", "the hand-written report says", "accounted for by", "today"], rows)


def render(run: Run, signoff: dict | None = None, appendix: str | None = None) -> tuple[str, str]:
    doc, title = build_document(run, signoff, appendix)
    return to_markdown(doc), to_html(doc, ("SANDBOX — " if run.sandbox else "") + title, run.sandbox)
