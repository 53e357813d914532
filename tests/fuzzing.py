"""Property-based testing of every input the tool reads: mutate valid inputs, then hold the CLI to its promise.

The promise (docs/reliability.md): whatever the input, ``corridor`` exits with 0 or 2; with 2 it prints one
paragraph that starts with "Error", names the file (or ``--set``) and never shows a traceback; it
finishes within :data:`SECONDS` and :data:`MAX_RSS_MB`; and it writes nothing outside the folder it was
told to write into.

``CORRIDOR_FUZZ_EXAMPLES`` sets the examples per input type (a few dozen in ``make test``; ``make fuzz``
runs 10,000 each, with random seeds instead of the fixed derandomised ones CI uses).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import io
import os
import re
import resource
import time
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sim.cli.commands import main

EXAMPLES = int(os.environ.get("CORRIDOR_FUZZ_EXAMPLES", "25"))
LONG = EXAMPLES > 200
SECONDS = 30.0
MAX_RSS_MB = 3000
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])

# --------------------------------------------------------------------------- values
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
PATHS = st.sampled_from(["/dev/zero", "/dev/urandom", "/etc/passwd", "/etc/shadow", "../../../../etc/passwd",
                         "a\0b.yaml", "x" * 300 + ".yaml", "", ".", "..", "missing.yaml", "/", "/tmp",
                         "network/corridor.yaml", "../network/corridor.yaml", "C:\\x.yaml", "~/x.yaml"])
NUMBERS = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, 1, -1, 0.5, 1e308, -1e-308, 10**30]))
DATES = st.one_of(st.dates(dt.date(1900, 1, 1), dt.date(2200, 1, 1)),
                  st.sampled_from(["2021-02-30", "2021-13-01", "21-08-01", "2021-8-1", "yesterday"]))
SCALARS = st.one_of(NUMBERS, st.booleans(), st.none(), TEXT, PATHS, DATES,
                    st.sampled_from(["true", "12", "1e9", "nan", "inf", "!!bool maybe", "PL", "pl", "minsk"]))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(TEXT, inner, max_size=4)), max_leaves=8)


# --------------------------------------------------------------------------- mutating YAML data
def key_paths(node, prefix=()) -> list[tuple]:
    """Every path into nested dicts and lists (the root included)."""
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += key_paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += key_paths(v, prefix + (i,))
    return out


def _get(node, path):
    for part in path:
        node = node[part]
    return node


def mutate(data, doc: dict, rounds: int = 4) -> dict:
    """Apply 1..``rounds`` random changes (set, delete, add, rename, nest) to a deep copy of ``doc``."""
    doc = copy.deepcopy(doc)
    for _ in range(data.draw(st.integers(1, rounds), label="rounds")):
        paths = key_paths(doc)
        path = data.draw(st.sampled_from(paths), label="path")
        op = data.draw(st.sampled_from(["set", "set", "set", "delete", "add", "rename", "nest"]), label="op")
        if not path:
            if op in ("set", "nest"):
                continue
            parent, key = None, None
        else:
            parent, key = _get(doc, path[:-1]), path[-1]
        if op == "set" and parent is not None:
            parent[key] = data.draw(VALUES, label="value")
        elif op == "delete" and parent is not None:
            parent.pop(key) if isinstance(parent, dict) else parent.pop(key)
        elif op == "add":
            target = _get(doc, path)
            if isinstance(target, dict):
                target[data.draw(TEXT, label="key")] = data.draw(VALUES, label="value")
            elif isinstance(target, list):
                target.append(data.draw(VALUES, label="value"))
        elif op == "rename" and isinstance(parent, dict):
            new = data.draw(st.one_of(TEXT, st.just(str(key) + "s"), st.just(str(key).upper())), label="new key")
            parent[new] = parent.pop(key)
        elif op == "nest" and parent is not None:
            depth = data.draw(st.integers(1, 200), label="depth")
            value = parent[key]
            for _ in range(depth):
                value = [value]
            parent[key] = value
    return doc


def mutate_text(data, text: str) -> bytes:
    """Now and then, damage the YAML text itself: cut it, repeat a line, insert bytes or an alias bomb."""
    op = data.draw(st.sampled_from(["none", "none", "none", "cut", "repeat", "bytes", "tag", "bomb", "tabs"]),
                   label="text op")
    raw = text.encode()
    if op == "cut" and raw:
        raw = raw[: data.draw(st.integers(0, len(raw)), label="cut at")]
    elif op == "repeat":
        lines = text.splitlines(keepends=True) or [""]
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        raw = "".join(lines[: i + 1] + lines[i:]).encode()
    elif op == "bytes":
        at = data.draw(st.integers(0, len(raw)), label="at")
        raw = raw[:at] + data.draw(st.binary(min_size=1, max_size=20), label="bytes") + raw[at:]
    elif op == "tag":
        raw += b"\nzz_tagged: !!bool maybe\n"
    elif op == "bomb":
        raw += b"\nzz_a: &a [x, x, x, x, x, x, x, x, x, x]\nzz_b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
               b"zz_c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nzz_d: &d [*c, *c, *c, *c, *c, *c, *c, *c]\n" \
               b"zz_e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
    elif op == "tabs":
        raw = raw.replace(b"  ", b"\t", 1)
    return raw


# --------------------------------------------------------------------------- the promise
def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*")} if root.exists() else set()


def holds_the_promise(args: list[str], cwd: Path, *, names: tuple[str, ...] = (), writes: Path | None = None,
                      repo: Path | None = None) -> tuple[int, str]:
    """Run ``corridor ARGS`` in-process in ``cwd`` and assert the promise of the module docstring.

    Args:
        args: The command line.
        cwd: Folder to run in (the only place the command may write, and only inside ``writes``).
        names: Texts one of which an error message must contain (the file given, ``--set``, ...).
        writes: The folder the command was told to write into (inside ``cwd``), if any.
        repo: The repository root, whose tree must not change either.

    Returns:
        The exit code and the message.
    """
    before, before_repo = _tree(cwd), _tree(repo / "outputs") if repo else set()
    out, err = io.StringIO(), io.StringIO()
    old = Path.cwd()
    os.chdir(cwd)
    t0 = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    finally:
        os.chdir(old)
    seconds = time.perf_counter() - t0
    message = err.getvalue()
    assert code in (0, 2), f"exit {code}: {message[-2000:]}"
    assert "Traceback" not in message, message[-3000:]
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert rss_mb < MAX_RSS_MB, f"peak memory {rss_mb:.0f} MB"
    if code == 2:
        lines = [line for line in message.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("Error")]
        others = [line for line in lines if not line.startswith(("Error", "Note:", "warning:"))
                  and not re.fullmatch(r"\d+ of \d+ files have problems\.", line)]
        assert errors and not others, message
        if names:
            assert all(any(n in e for n in names) for e in errors), f"a message names none of {names}: {errors}"
    after = _tree(cwd)
    new = {p for p in after - before if writes is None or not (cwd / p).resolve().is_relative_to(writes.resolve())}
    assert not new, f"written outside {writes}: {sorted(new)[:5]}"
    if repo:
        assert _tree(repo / "outputs") == before_repo, "wrote into the repository's outputs/"
    return code, message
