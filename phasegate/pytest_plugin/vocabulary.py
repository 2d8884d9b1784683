"""The step vocabulary, generated from the step definitions themselves: each sentence, what it reads, an example.

Every step function pytest-bdd knows (its registry, read by :mod:`.introspection`) gives one
:class:`Entry`: the sentence its parser matches (a regular expression shown as words: named groups
as ``{name}``, a group of fixed words listed), the keyword, what its ``@reads`` declares, and its
docstring (the first paragraph says what it judges; each ``Example:`` line is a sentence as a feature
writes it). ``phasegate steps`` prints :func:`markdown`; collection names the :func:`nearest` known
sentences of a step no definition matches.
"""

from __future__ import annotations

import difflib
import inspect
import re
import sys
from dataclasses import dataclass, field

_PLAIN_WORDS = re.compile(r"[A-Za-z][A-Za-z -]*(\|[A-Za-z][A-Za-z -]*)+")


@dataclass(frozen=True)
class Entry:
    keyword: str  # Given, When, Then
    sentence: str  # as words: "its {wording} is \"{expected}\""
    reads: str  # what its @reads declares, in words
    summary: str  # the docstring's first paragraph
    examples: tuple[str, ...] = ()  # sentences as a feature writes them, keyword included
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()  # {name} -> the fixed words it may be
    module: str = ""
    line: int = 0
    table: bool = field(default=False)  # the step takes a data table


def _group_end(pattern: str, start: int) -> int:
    """The index of the ``)`` closing the group whose body starts at ``start`` (brackets and escapes skipped)."""
    depth, i, in_class = 1, start, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {pattern!r}")


def as_words(pattern: str) -> tuple[str, tuple[tuple[str, tuple[str, ...]], ...]]:
    """A step's regular expression in words: ``(?P<role>[a-z]+)`` -> ``{role}``; a group of fixed words
    (``(?P<which>includes|ignores)``) -> ``{which}``, its words returned beside the sentence."""
    out, choices, i = [], [], 0
    while i < len(pattern):
        if pattern.startswith("(?P<", i):
            name_end = pattern.index(">", i)
            name, end = pattern[i + 4:name_end], _group_end(pattern, name_end + 1)
            body = pattern[name_end + 1:end]
            if _PLAIN_WORDS.fullmatch(body):
                choices.append((name, tuple(body.split("|"))))
            out.append("{" + name + "}")
            i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(pattern[i + 1])
            i += 2
        else:
            out.append(pattern[i])
            i += 1
    return "".join(out), tuple(choices)


_OTHER_PARTS = {"database": "the worker's read-only database session",
                "api_database": "the API's read-only database session"}


def _reads_in_words(declared) -> str:
    """A ``@reads`` declaration in words: whose parts, and whether the step names the scenario's service."""
    if declared is None:
        return "(undeclared)"
    own, others, sessions = [], [], []
    for part in declared.parts:
        whose, _, name = part.rpartition(":")
        if part.startswith("probe TLS "):  # a public endpoint, read-only (phasegate.endpoints.probe)
            sessions.append(f"the certificate `{part[len('probe TLS '):]}` presents (a TLS handshake, nothing sent)")
        elif part.startswith("probe "):
            sessions.append(f"the public endpoint `{part[len('probe '):]}` (GET, HEAD, OPTIONS only)")
        elif name in _OTHER_PARTS and not whose:
            sessions.append(_OTHER_PARTS[name])
        elif whose:
            others.append(f"`{name}` of the service whose role it names" if "{" in whose else
                          f"`{name}` of the {whose} service")
        else:
            own.append(f"`{name}`")
    if declared.role is not None:
        who = "the service whose role it names" if "{" in declared.role else f"the {declared.role} service"
        said = [f"{', '.join(own) or 'nothing'} of {who}, which the steps after it judge"]
    else:
        said = [f"{', '.join(own)} of the service the scenario names"] if own else []
    said += others + sessions
    return "; ".join(said) if said else "nothing beyond what the steps before it read"


def _docstring(func) -> tuple[str, tuple[str, ...]]:
    text = inspect.getdoc(func) or ""
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    examples = tuple(line.strip()[len("Example:"):].strip() for line in text.splitlines()
                     if line.strip().startswith("Example:"))
    summary = next((p for p in paragraphs if not p.startswith("Example:")), "")
    return summary, examples


def entry(context_) -> Entry:
    """One step definition (pytest-bdd's StepFunctionContext) as an entry of the vocabulary."""
    from ..catalogue.reads import declared_reads

    func, parser = context_.step_func, context_.parser
    pattern = parser.name
    if type(parser).__name__ == "re":
        sentence, choices = as_words(pattern)
    else:
        sentence, choices = pattern, ()
    summary, examples = _docstring(func)
    keyword = (context_.type or "step").capitalize()
    return Entry(keyword, sentence, _reads_in_words(declared_reads(func)), summary, examples, choices,
                 func.__module__, inspect.getsourcelines(func)[1],
                 "datatable" in inspect.signature(func).parameters)


def entries(modules: list[str], contexts: list) -> list[Entry]:
    """The step definitions (``contexts``: pytest-bdd's, see ``introspection.step_contexts``) of the given
    modules, in module and source order."""
    order = {name: i for i, name in enumerate(modules)}
    found = [entry(c) for c in contexts if c.step_func.__module__ in order]
    return sorted(found, key=lambda e: (order[e.module], e.line))


def nearest(keyword: str, text: str, known: list[Entry], count: int = 3) -> list[str]:
    """The known sentences closest to an unknown step (its examples, or its sentence when it has none)."""
    candidates = [example for e in known for example in (e.examples or (f"{e.keyword} {e.sentence}",))]
    wanted = f"{keyword.capitalize()} {text}"
    ranked = sorted(candidates, key=lambda c: difflib.SequenceMatcher(None, wanted, c).ratio(), reverse=True)
    return list(dict.fromkeys(ranked))[:count]


def markdown(modules: list[str], contexts: list) -> str:
    """The vocabulary as ``docs/VOCABULARY.md`` holds it: one section per step module, one item per sentence."""
    lines = ["# The step vocabulary", "",
             "Generated by `phasegate steps` from the step definitions themselves: each sentence as its "
             "definition matches it, what it makes the snapshot read (`@reads`), what it judges and an example "
             "(its docstring). Do not edit by hand: `phasegate steps > docs/VOCABULARY.md`.", "",
             "A `Given` that names a service (`Given the \"web\" service as Render reports it`, or the worker in "
             "words) makes it the service the steps after it judge (`Then its type is \"static_site\"`); a role "
             "is what `RENDER_SERVICES` (or `RENDER_SERVICE_NAME`, `RENDER_API_SERVICE_NAME`) maps to a service's "
             "name. A role the profile does not name skips its criteria, naming the key to set.", ""]
    every = entries(modules, contexts)
    for module in modules:
        mine = [e for e in every if e.module == module]
        if not mine:
            continue
        doc = inspect.getdoc(sys.modules[module]) or ""
        lines += [f"## {module.replace('.', '/')}.py", "", " ".join(doc.split("\n\n")[0].split()), ""]
        for e in mine:
            lines += _item(e)
    return "\n".join(lines).rstrip() + "\n"


def _item(e: Entry) -> list[str]:
    head = f"- **{e.keyword}** `{e.sentence}`" + (" followed by a table" if e.table else "")
    out = [head, f"  {e.summary}" if e.summary else "  (no docstring)", f"  Reads: {e.reads}."]
    for name, words in e.choices:
        out.append(f"  `{{{name}}}`: {', '.join(f'`{w}`' for w in words)}.")
    out += [f"  Example: `{example}`" for example in e.examples]
    return out + [""]
