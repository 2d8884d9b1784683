"""What a status column's CHECK constraints allow, read from their deparsed text; pure, no database.

:func:`parse_check` reads the forms PostgreSQL deparses a CHECK into (``pg_get_constraintdef``),
nothing else: ``status = ANY (ARRAY['a'::text, …])`` (how ``IN (…)`` is stored), ``<> ALL (ARRAY[…])``
(``NOT IN``), ``=`` and ``<>`` with a string literal on either side, ``IS [NOT] NULL``, joined
by ``AND``, ``OR`` and ``NOT``, with casts between text types, the column's enum or its
domains (``(status)::text``, ``'a'::character varying``, ``(ARRAY[…])::text[]``). Anything else
(a regular expression, a function call, a collation, another column, a NULL literal) is
:class:`Unreadable`: never guessed. What it allows is a :class:`ValueSet`.

:func:`allows` and :func:`summary` read the plain data :func:`phasegate.database.status_values.status_type`
makes of the catalogs (the facts' ``status_type``): whether one state is allowed (True, False, or None
when a constraint that could decide it cannot be read), and the allowed values in words. They are
here, beside the parser and away from the catalog query, so that the judges use them on the facts
without depending on the reading side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["ValueSet", "Unreadable", "ANY_VALUE", "READS", "parse_check", "allows", "summary"]

# Types whose equality is exact on the characters (bpchar/character ignore trailing spaces: handled).
_TEXT_TYPES = {"text", "character varying", "varchar", "name", "bpchar", "character", "char"}
_PADDED_TYPES = {"bpchar", "character", "char"}
_KEYWORDS = {"OR", "AND", "NOT", "IS", "NULL", "ANY", "ALL", "SOME", "ARRAY", "CHECK", "COLLATE", "VALID",
             "NO", "INHERIT", "TRUE", "FALSE"}
READS = ("phasegate reads comparisons of the column with string literals only (=, <>, = ANY / <> ALL "
         "(ARRAY[…]), IS [NOT] NULL), joined by AND, OR, NOT, with casts between text types")


class Unreadable(Exception):
    """A constraint phasegate cannot read as a set of allowed values. ``pos``: the token it stopped at."""

    def __init__(self, message: str, pos: int = 0) -> None:
        super().__init__(message)
        self.pos = pos


@dataclass(frozen=True)
class ValueSet:
    """The values a constraint allows: exactly ``values``, or (``complement``) every value but them."""

    values: frozenset = frozenset()
    complement: bool = False

    @staticmethod
    def only(values) -> "ValueSet":
        return ValueSet(frozenset(values), False)

    @staticmethod
    def every_value_but(values) -> "ValueSet":
        return ValueSet(frozenset(values), True)

    def __contains__(self, value: str) -> bool:
        return (value not in self.values) if self.complement else (value in self.values)

    def negate(self) -> "ValueSet":
        return ValueSet(self.values, not self.complement)

    def __and__(self, other: "ValueSet") -> "ValueSet":
        if not self.complement and not other.complement:
            return ValueSet.only(self.values & other.values)
        if self.complement and other.complement:
            return ValueSet.every_value_but(self.values | other.values)
        only, but = (self, other) if not self.complement else (other, self)
        return ValueSet.only(only.values - but.values)

    def __or__(self, other: "ValueSet") -> "ValueSet":
        return (self.negate() & other.negate()).negate()

    def as_evidence(self) -> dict:
        if self.complement:
            return {"any value but": sorted(self.values)} if self.values else {"any value": True}
        return {"only": sorted(self.values)}

    @staticmethod
    def from_evidence(data: dict) -> "ValueSet":
        if "only" in data:
            return ValueSet.only(data["only"])
        return ValueSet.every_value_but(data.get("any value but", []))

    def describe(self) -> str:
        shown = ", ".join(repr(v) for v in sorted(self.values))
        if self.complement:
            return f"any value but {shown}" if self.values else "any value"
        return f"only {shown}" if self.values else "no value at all"


ANY_VALUE = ValueSet.every_value_but(())

_TOKEN = re.compile(r"""\s*(?:
    (?P<str>'(?:[^']|'')*')
  | (?P<qid>"(?:[^"]|"")*")
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<id>[A-Za-z_][A-Za-z0-9_$]*)
  | (?P<cast>::)
  | (?P<punct>[()\[\],.])
  | (?P<op>[-+*/<>=~!@\#%^&|`?]+)
)""", re.X)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise Unreadable(f"an unexpected character {text[pos:].strip()[:1]!r}", len(out))
        kind = match.lastgroup
        value = match.group(kind)
        if kind == "id" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        out.append((kind, value))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, definition: str, column: str, exact_types: set[str]):
        self.tokens = _tokens(definition)
        self.pos = 0
        self.column = column
        self.exact_types = set(exact_types)

    # ---- tokens
    def peek(self, offset: int = 0) -> tuple[str, str]:
        i = self.pos + offset
        return self.tokens[i] if i < len(self.tokens) else ("end", "")

    def accept(self, kind: str, value: str | None = None) -> str | None:
        k, v = self.peek()
        if k == kind and (value is None or v == value):
            self.pos += 1
            return v
        return None

    def expect(self, kind: str, value: str | None = None) -> str:
        got = self.accept(kind, value)
        if got is None:
            raise self.fail(f"{self._here()} where {value or kind} was expected")
        return got

    def fail(self, message: str) -> Unreadable:
        return Unreadable(message, self.pos)

    def _here(self) -> str:
        k, v = self.peek()
        return "the end of the definition" if k == "end" else f"{v!r}"

    # ---- the definition: CHECK (<expr>) [NOT VALID] [NO INHERIT]
    def definition(self) -> ValueSet:
        self.expect("kw", "CHECK")
        self.expect("punct", "(")
        allowed = self.disjunction()
        self.expect("punct", ")")
        while self.peek()[0] != "end":
            if self.accept("kw", "NOT") and self.accept("kw", "VALID"):
                continue
            if self.accept("kw", "NO") and self.accept("kw", "INHERIT"):
                continue
            raise self.fail(f"{self._here()} after the constraint's expression")
        return allowed

    def disjunction(self) -> ValueSet:
        allowed = self.conjunction()
        while self.accept("kw", "OR"):
            allowed = allowed | self.conjunction()
        return allowed

    def conjunction(self) -> ValueSet:
        allowed = self.negation()
        while self.accept("kw", "AND"):
            allowed = allowed & self.negation()
        return allowed

    def negation(self) -> ValueSet:
        if self.accept("kw", "NOT"):
            return self.negation().negate()
        return self.condition()

    def condition(self) -> ValueSet:
        start = self.pos
        try:
            return self.comparison()
        except Unreadable as first:
            self.pos = start
            if not self.accept("punct", "("):
                raise first
            try:
                allowed = self.disjunction()
                self.expect("punct", ")")
            except Unreadable as second:  # say what stopped the reading that got further
                raise (second if second.pos >= first.pos else first) from None
            return allowed

    # ---- comparisons
    def comparison(self) -> ValueSet:
        left = self.operand()
        if left[0] == "subject" and self.accept("kw", "IS"):
            negated = bool(self.accept("kw", "NOT"))
            self.expect("kw", "NULL")
            return ANY_VALUE if negated else ValueSet.only(())  # over non-null values
        op = self.accept("op")
        if op not in ("=", "<>", "!="):
            raise self.fail(f"the operator {op!r}" if op else f"{self._here()} where a comparison was expected")
        equal = op == "="
        quantifier = self.accept("kw", "ANY") or self.accept("kw", "SOME") or self.accept("kw", "ALL")
        if quantifier:
            if left[0] != "subject":
                raise self.fail(f"{quantifier} compares a literal, not the column, with an array")
            if (quantifier == "ALL") == equal:
                raise self.fail(f"{op} {quantifier} (only = ANY and <> ALL are read)")
            self.expect("punct", "(")
            right = self.operand()
            self.expect("punct", ")")
            if right[0] != "array":
                raise self.fail(f"{quantifier} over something other than an ARRAY of literals")
            values = right[1]
        else:
            right = self.operand()
            sides = {left[0], right[0]}
            if sides != {"subject", "literal"}:
                raise self.fail("a comparison that is not the column against a string literal")
            values = [(left if left[0] == "literal" else right)[1]]
        padded = left[2] or right[2]
        values = {v.rstrip(" ") for v in values} if padded else set(values)
        return ValueSet.only(values) if equal else ValueSet.every_value_but(values)

    def operand(self) -> tuple:
        """("subject", None, padded) | ("literal", value, padded) | ("array", [values], padded), casts applied."""
        kind, value = self.peek()
        if self.accept("punct", "("):
            inner = self.operand()
            self.expect("punct", ")")
        elif self.accept("kw", "ARRAY"):
            self.expect("punct", "[")
            items = [self.operand()]
            while self.accept("punct", ","):
                items.append(self.operand())
            self.expect("punct", "]")
            if any(item[0] != "literal" for item in items):
                raise self.fail("an ARRAY holding something other than string literals")
            inner = ("array", [item[1] for item in items], any(item[2] for item in items))
        elif kind == "str":
            self.pos += 1
            inner = ("literal", value[1:-1].replace("''", "'"), False)
        elif (kind == "id" and value == self.column) or (kind == "qid" and value[1:-1].replace('""', '"') == self.column):
            self.pos += 1  # deparsed: a lower-case name bare, any other quoted; a domain's value is VALUE
            inner = ("subject", None, False)
        elif kind in ("id", "qid") and self.peek(1) == ("punct", "("):
            raise self.fail(f"a function call ({value})")
        elif kind in ("id", "qid"):
            raise self.fail(f"another column or name ({value})")
        elif kind == "kw":
            raise self.fail(f"the keyword {value}")
        else:
            raise self.fail(f"{self._here()} where the column or a string literal was expected")
        while self.accept("cast"):
            name, is_array = self.type_name()
            if is_array != (inner[0] == "array"):
                raise self.fail(f"a cast to {name}{'[]' if is_array else ''}")
            padded = name in _PADDED_TYPES
            inner = (inner[0], inner[1], inner[2] or padded)
        return inner

    def type_name(self) -> tuple[str, bool]:
        """A cast's type as format_type shows it (``character varying``, ``qtest.job_status``, ``"JobStatus"``)
        and whether it is an array type. Only text types and the column's own enum and domains are read."""
        name = ""
        while self.peek()[0] in ("id", "qid"):
            word = self.tokens[self.pos][1]
            self.pos += 1
            name += word if not name or name.endswith(".") else " " + word
            if self.accept("punct", "."):
                name += "."
        if not name or name.endswith("."):
            raise self.fail(f"{self._here()} where a type name was expected")
        if self.peek() == ("punct", "("):
            raise self.fail(f"a cast to {name} with a length")
        is_array = False
        while self.accept("punct", "["):
            self.expect("punct", "]")
            is_array = True
        if name.lower() not in _TEXT_TYPES and name not in self.exact_types:
            raise self.fail(f"a cast to {name}, whose equality phasegate does not know to be exact")
        return name.lower() if name.lower() in _TEXT_TYPES else name, is_array


def parse_check(definition: str, column: str, exact_types: set[str] | frozenset = frozenset()) -> ValueSet:
    """The values a CHECK constraint's ``pg_get_constraintdef`` text allows for ``column`` (``VALUE`` for a
    domain's). ``exact_types``: the column's own enum and domain type names, as ``format_type`` shows them
    in the same session. Raises :class:`Unreadable`."""
    return _Parser(definition, column, set(exact_types)).definition()


def allows(status: dict | None, state: str) -> bool | None:
    """Whether the column's type allows ``state``: True; False; None when an unreadable constraint could decide it.
    No status type (no column): None."""
    if status is None:
        return None
    if state not in ValueSet.from_evidence(status["allowed"]):
        return False  # excluded by what could be read: no unreadable constraint can allow it again
    return None if status["unreadable"] else True


def summary(status: dict | None) -> str:
    """The status column's allowed values in words, with where they come from."""
    if status is None:
        return "no status column"
    if status["unconstrained"]:
        return f"{status['types'][0]['type']} with no constraint: any value"
    where = "; ".join(f"{c['on']}{' ' + c['name'] if c.get('name') else ''}: {c['reads as']}"
                      for c in status["constraints"])
    allowed = ValueSet.from_evidence(status["allowed"]).describe()
    if status["unreadable"]:
        allowed = f"{allowed} as far as phasegate can read, and {len(status['unreadable'])} constraint(s) it cannot"
    return f"{allowed} ({where})"
