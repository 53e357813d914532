"""The one error type that bad input raises, and how it is shown to a person.

Every problem with a scenario, a sweep file or a command-line value ends up as a
:class:`ScenarioError`. The CLI prints its one-paragraph message and exits with
code 2; it never shows a traceback for bad input.
"""

from __future__ import annotations

import difflib

EXIT_BAD_INPUT = 2


class ScenarioError(Exception):
    """Bad input, described for a person: which file, which key, why, and a hint.

    Args:
        reason: What is wrong, in one sentence.
        file: The file the value came from (or a label such as ``--set``).
        key_path: Dotted path of the offending key, for example ``carriers.belavia.routes``.
        line: Line number in ``file`` where the key stands, when known.
        hint: What to do about it.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        key_path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.key_path = key_path
        self.line = line
        self.hint = hint
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-paragraph message shown to the user."""
        where = []
        if self.file:
            where.append(f"{self.file}" + (f", line {self.line}" if self.line else ""))
        if self.key_path:
            where.append(f"key '{self.key_path}'")
        text = "Error"
        if where:
            text += " in " + ", ".join(where)
        text += f": {self.reason}"
        if self.hint:
            text += f" Hint: {self.hint}"
        return text


def did_you_mean(word: str, choices) -> str | None:
    """Return a 'did you mean' hint for ``word`` among ``choices``, or None."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if matches:
        return f"did you mean '{matches[0]}'?"
    return None
