"""The one error hierarchy: every problem a person can fix, told as one paragraph, and exit code 2.

Bad input anywhere (a scenario, a sweep, calibration parameters, an observed CSV, a ``--set``
value, a folder given to ``compare``, an output folder that cannot be written) raises a subclass
of :class:`CorridorError`. Its :attr:`~CorridorError.message` names the file, the line and key
path where known, the reason and a hint; the command line prints it and exits with
:data:`EXIT_BAD_INPUT`, never with a traceback (:func:`sim.cli.commands.main` is the one guard).

Example:
    >>> raise ScenarioError("bad value.", file="f.yaml", line=3, key_path="a.b", hint="fix it.")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: Error in f.yaml, line 3, key 'a.b': bad value. Hint: fix it.
"""

from __future__ import annotations

import difflib

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130
MAX_QUOTED = 60  # characters of a user's value quoted in a message at most


class CorridorError(Exception):
    """A problem the user can fix, described for a person: which file, which key, why, and a hint.

    Args:
        reason: What is wrong, in one sentence.
        file: The file the value came from (or a label such as ``--set``).
        key_path: Dotted path of the offending key, for example ``carriers.belavia.routes``.
        line: Line number in ``file`` where the key stands, when known.
        hint: What to do about it.
    """

    exit_code = EXIT_BAD_INPUT

    def __init__(self, reason: str, *, file: str | None = None, key_path: str | None = None,
                 line: int | None = None, hint: str | None = None) -> None:
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
            where.append(quoted(self.file, 300) + (f", line {self.line}" if self.line else ""))
        if self.key_path:
            where.append(f"key '{quoted(self.key_path, 160)}'")
        text = "Error"
        if where:
            text += " in " + ", ".join(where)
        text += f": {self.reason}"
        if self.hint:
            text += f" Hint: {self.hint}"
        return quoted(text, 100_000)  # one paragraph, whatever the input held (no control characters)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # rebuilt from its parts in another process (a worker's error)
        return _rebuild, (type(self), self.reason, self.file, self.key_path, self.line, self.hint)

    def located(self, **changes) -> CorridorError:
        """The same error (same class) with some of file, key_path, line or hint replaced."""
        fields = {"file": self.file, "key_path": self.key_path, "line": self.line, "hint": self.hint, **changes}
        return type(self)(self.reason, **fields)


class ScenarioError(CorridorError):
    """A scenario file, an input file it names, or a command-line value is wrong."""


class SweepFileError(CorridorError):
    """A sweep, outcomes or parameters file (or a request derived from one) is wrong."""


class EngineUnavailable(CorridorError):
    """The requested execution engine cannot be used (Dask missing, a bad worker count or address)."""


class PlanMismatch(CorridorError):
    """An output folder holds results of another plan, or another command is using it."""


class CommandLineError(CorridorError):
    """A command line that does not parse: an unknown option, a missing argument, a value of the wrong kind."""


class OutputError(CorridorError):
    """An output cannot be written (a full disk, no permission, a path that is not a folder)."""


def _rebuild(cls, reason, file, key_path, line, hint):
    return cls(reason, file=file, key_path=key_path, line=line, hint=hint)


def quoted(value, limit: int = MAX_QUOTED) -> str:
    """A user's value as a message may quote it: printable, on one line, cut to ``limit`` characters."""
    text = "".join(ch if ch.isprintable() else "?" for ch in str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def did_you_mean(word: str, choices) -> str | None:
    """Return a 'did you mean' hint for ``word`` among ``choices``, or None."""
    matches = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if matches:
        return f"did you mean '{matches[0]}'?"
    return None
