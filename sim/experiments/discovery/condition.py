"""The condition of a scenario discovery: comparisons of a sweep's outcomes, parsed safely (never ``eval``).

Grammar (a small subset of Python expressions, checked node by node after :func:`ast.parse`)::

    condition  := comparison | condition and condition | condition or condition | not condition | ( condition )
    comparison := value OP value [OP value ...]        OP: >  >=  <  <=  ==  !=   (also ≥ ≤ ≠)
    value      := OUTCOME | NUMBER | value (+ - * /) value | -value | ( value )

``OUTCOME`` is the name of an outcome the sweep stores (``attempts_PL``); a name that is not a
Python identifier is written in backticks (```pl-attempts` > 5``). Numbers may be written
``20000``, ``20_000`` or ``2e4``. ``AND``/``OR``/``NOT`` are read as ``and``/``or``/``not``.
Anything else (a call, an attribute, a string, ``20,000``, ``=``, ``&&``) is refused with one
:class:`~sim.errors.CommandLineError` paragraph naming the problem, with a hint.

Example:
    >>> c = parse_condition("attempts_PL > 20_000 and deaths_total >= 30", ["attempts_PL", "deaths_total"])
    >>> c.words()
    'attempts_PL > 20,000 and deaths_total ≥ 30'
    >>> c.slug()
    'attempts_PL_gt_20000_and_deaths_total_ge_30'
"""

from __future__ import annotations

import ast
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from sim.errors import CommandLineError, quoted
from sim.outcomes.spec import similar_hint

MAX_LENGTH = 500  # characters of a condition
MAX_NODES = 300  # syntax nodes of a condition
SOURCE = "--where"
EXAMPLE = 'e.g. --where "attempts_PL > 20000" or "deaths_total >= 30 and attempts_LT < 5000"'
COMPARE = {ast.Gt: ">", ast.GtE: ">=", ast.Lt: "<", ast.LtE: "<=", ast.Eq: "==", ast.NotEq: "!="}
WORDS = {">=": "≥", "<=": "≤", "!=": "≠"}
SLUG = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq", "!=": "ne", "+": "plus", "-": "minus",
        "*": "times", "/": "over"}
ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
_QUOTED = re.compile(r"`([^`]*)`")


def _error(reason: str, hint: str = EXAMPLE + ".") -> CommandLineError:
    return CommandLineError(reason, file=SOURCE, hint=hint)


@dataclass(frozen=True, eq=False)
class Condition:
    """A parsed condition.

    Attributes:
        text: The condition as given.
        tree: Its syntax tree (only the nodes of the grammar above).
        names: The outcomes it reads, in order of first appearance.
        quoted_names: Placeholder -> outcome name, for names written in backticks.
    """

    text: str
    tree: ast.Expression
    names: tuple[str, ...]
    quoted_names: dict[str, str]

    def evaluate(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        """Whether the condition holds, case by case.

        Args:
            values: Outcome name -> one value per case (NaN never satisfies a comparison).

        Returns:
            A boolean array, one entry per case.
        """
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(self._value_of(self.tree.body, values), dtype=bool)

    def _value_of(self, node: ast.AST, values: Mapping[str, np.ndarray]):
        """The value of one node of the parsed condition: a walk over the node types the parser allowed (no eval)."""
        if isinstance(node, ast.BoolOp):
            parts = [self._value_of(v, values) for v in node.values]
            return np.logical_and.reduce(parts) if isinstance(node.op, ast.And) else np.logical_or.reduce(parts)
        if isinstance(node, ast.UnaryOp):
            inner = self._value_of(node.operand, values)
            return {ast.Not: np.logical_not, ast.USub: np.negative, ast.UAdd: np.positive}[type(node.op)](inner)
        if isinstance(node, ast.Compare):
            left, out = self._value_of(node.left, values), True
            for op, right_node in zip(node.ops, node.comparators):
                right = self._value_of(right_node, values)
                out = np.logical_and(out, _compare(COMPARE[type(op)], left, right))
                left = right
            return out
        if isinstance(node, ast.BinOp):
            a, b = self._value_of(node.left, values), self._value_of(node.right, values)
            return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[ARITH[type(node.op)]](a, b)
        if isinstance(node, ast.Name):
            return np.asarray(values[self._name(node)], dtype=float)
        return float(node.value)  # ast.Constant: checked to be a number

    def _name(self, node: ast.Name) -> str:
        return self.quoted_names.get(node.id, node.id)

    def render(self, words: bool = False) -> str:
        """The condition written out again: plain (``>=``, ``20000``) or for reading (``≥``, ``20,000``)."""
        return self._render(self.tree.body, words)

    def words(self) -> str:
        """The condition for a sentence: ``attempts_PL > 20,000 and deaths_total ≥ 30``."""
        return self.render(words=True)

    def _render(self, node: ast.AST, words: bool, parent: int = 0) -> str:
        if isinstance(node, ast.BoolOp):
            op = " and " if isinstance(node.op, ast.And) else " or "
            text = op.join(self._render(v, words, 1 if isinstance(node.op, ast.Or) else 2) for v in node.values)
            level = 1 if isinstance(node.op, ast.Or) else 2
            return f"({text})" if parent > level else text
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.Not):
                text = "not " + self._render(node.operand, words, 3)
                return f"({text})" if parent > 3 else text
            sign = "-" if isinstance(node.op, ast.USub) else "+"
            return sign + self._render(node.operand, words, 9)
        if isinstance(node, ast.Compare):
            parts = [self._render(node.left, words)]
            for op, right in zip(node.ops, node.comparators):
                symbol = COMPARE[type(op)]
                parts += [WORDS.get(symbol, symbol) if words else symbol, self._render(right, words)]
            return " ".join(parts)
        if isinstance(node, ast.BinOp):
            symbol = ARITH[type(node.op)]
            level = 10 + _PRECEDENCE[symbol]
            left = self._render(node.left, words, level)
            right = self._render(node.right, words, level + 1)  # a - (b - c) keeps its brackets
            text = f"{left} {symbol} {right}"
            return f"({text})" if parent > level else text
        if isinstance(node, ast.Name):
            name = self._name(node)
            return name if name.isidentifier() else f"`{name}`"
        return _number(node.value, words)

    def slug(self) -> str:
        """A folder name for the condition: ``attempts_PL_gt_20000`` (at most 120 characters)."""
        plain = self.render()
        for symbol in sorted(SLUG, key=len, reverse=True):
            plain = plain.replace(f" {symbol} ", f" {SLUG[symbol]} ")
        text = re.sub(r"[^A-Za-z0-9.-]+", "_", plain).strip("_.-") or "condition"
        if len(text) > 100:
            text = text[:90].rstrip("_.-") + "_" + hashlib.sha256(plain.encode()).hexdigest()[:8]
        return text


def _compare(symbol: str, a, b):
    return {">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal,
            "!=": np.not_equal}[symbol](a, b)


def _number(value: float, words: bool) -> str:
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}" if words else str(int(value))
    return f"{value:,.6g}" if words else repr(float(value))


def _prepare(text: str) -> tuple[str, dict[str, str]]:
    """Replace backtick names by placeholders, and the spellings the grammar also accepts by Python's."""
    if text.count("`") % 2:
        raise _error("a backtick (`) is not closed.", "write a name that is not an identifier as `like-this`.")
    names: dict[str, str] = {}

    def placeholder(match: re.Match) -> str:
        key = f"_q{len(names)}_"
        names[key] = match.group(1)
        return f" {key} "

    body = _QUOTED.sub(placeholder, text)
    for symbol, python in (("≥", ">="), ("≤", "<="), ("≠", "!=")):
        body = body.replace(symbol, python)
    body = re.sub(r"\b(AND|OR|NOT|And|Or|Not)\b", lambda m: m.group(1).lower(), body)
    if "&&" in body or "||" in body or re.search(r"(?<![&|])[&|](?![&|])", body):
        raise _error("'&', '|', '&&' and '||' are not part of a condition.", "join comparisons with 'and' / 'or'.")
    if re.search(r"(?<![<>=!])=(?!=)", body):
        raise _error("a single '=' is not a comparison.", "write '==' to test equality, or '>=' / '<='.")
    return body, names


def parse_condition(text: str, outcomes: Iterable[str], parameters: Iterable[str] = ()) -> Condition:
    """Parse and check a condition over the outcomes a sweep stores.

    Args:
        text: The condition, e.g. ``"attempts_PL > 20000"``.
        outcomes: The outcomes the sweep stores (the names the condition may use).
        parameters: The sweep's parameters, named in the message when the condition uses one.

    Returns:
        The parsed :class:`Condition`.

    Raises:
        CommandLineError: For an empty, malformed or too long condition, a construct outside the grammar,
            or a name that is not one of ``outcomes`` (with a did-you-mean).
    """
    text = str(text)
    outcomes, parameters = list(outcomes), list(parameters)
    if not text.strip():
        raise _error("the condition is empty.")
    if len(text) > MAX_LENGTH:
        raise _error(f"the condition is {len(text)} characters long, more than the {MAX_LENGTH} allowed.",
                     "split the question into simpler conditions.")
    body, names = _prepare(text)
    try:
        tree = ast.parse(body.strip(), mode="eval")
    except SyntaxError as exc:
        where = f" near character {exc.offset}" if exc.offset else ""
        raise _error(f"'{quoted(text, 120)}' is not a valid condition{where}: comparisons of outcomes with "
                     "numbers, joined by and / or.") from None
    except (ValueError, RecursionError, MemoryError):
        raise _error(f"'{quoted(text, 120)}' is not a valid condition.") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise _error(f"the condition has {len(nodes)} parts, more than the {MAX_NODES} allowed.")
    used: list[str] = []
    _check_condition(tree.body, names, outcomes, parameters, used)
    return Condition(text=text, tree=tree, names=tuple(dict.fromkeys(used)), quoted_names=names)


def _describe(node: ast.AST) -> str:
    if isinstance(node, ast.Tuple):
        return "a comma (write 20000 or 20_000, not 20,000)"
    if isinstance(node, ast.Call):
        return "a function call"
    if isinstance(node, ast.Attribute):
        return "an attribute (a name with a dot)"
    if isinstance(node, ast.Constant):
        return f"the value {quoted(repr(node.value), 40)} (only numbers can be compared)"
    return f"a Python expression of kind {type(node).__name__}"


def _check_condition(node, names, outcomes, parameters, used) -> None:
    """A node that must be true or false: a comparison, or and / or / not of conditions."""
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            _check_condition(value, names, outcomes, parameters, used)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        _check_condition(node.operand, names, outcomes, parameters, used)
    elif isinstance(node, ast.Compare):
        if not all(type(op) in COMPARE for op in node.ops):
            raise _error("only >, >=, <, <=, == and != compare values ('in' and 'is' do not).")
        for value in (node.left, *node.comparators):
            _check_value(value, names, outcomes, parameters, used)
    elif isinstance(node, (ast.Name, ast.BinOp, ast.Constant)) or (
            isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd))):
        _check_value(node, names, outcomes, parameters, used)
        raise _error("the condition must compare outcomes with numbers; this one is a value, not true or false.")
    else:
        raise _error(f"the condition contains {_describe(node)}, which a condition cannot hold.")


def _check_value(node, names, outcomes, parameters, used) -> None:
    """A node that must be a number: an outcome, a number, or arithmetic of them."""
    if isinstance(node, ast.BinOp) and type(node.op) in ARITH:
        _check_value(node.left, names, outcomes, parameters, used)
        _check_value(node.right, names, outcomes, parameters, used)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check_value(node.operand, names, outcomes, parameters, used)
    elif isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _error(f"the condition contains {_describe(node)}.")
    elif isinstance(node, ast.Name):
        name = names.get(node.id, node.id)
        if name not in outcomes:
            raise _unknown(name, outcomes, parameters)
        used.append(name)
    elif isinstance(node, (ast.Compare, ast.BoolOp)) or (isinstance(node, ast.UnaryOp)
                                                          and isinstance(node.op, ast.Not)):
        raise _error("a comparison cannot be compared or added again; join comparisons with and / or.")
    elif isinstance(node, ast.BinOp):
        raise _error("only + - * / combine outcomes and numbers.")
    else:
        raise _error(f"the condition contains {_describe(node)}, which a condition cannot hold.")


def _unknown(name: str, outcomes: list[str], parameters: list[str]) -> CommandLineError:
    listed = ", ".join(outcomes[:30]) + (", …" if len(outcomes) > 30 else "")
    if name in parameters:
        return _error(f"'{quoted(name)}' is a parameter of the sweep, not one of its outcomes: the condition is "
                      "about outcomes, and PRIM finds the parameter ranges where it holds.",
                      f"the sweep's outcomes are {listed}.")
    return _error(f"the sweep stores no outcome '{quoted(name)}'{similar_hint(name, outcomes)}.",
                  f"the sweep's outcomes are {listed}.")
