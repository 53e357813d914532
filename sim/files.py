"""Files in and out: every file the tool writes is written atomically, every file it reads is bounded.

Writing: :func:`atomic_write_bytes` writes through a temporary file in the same folder, fsyncs
and renames, so a killed process leaves the complete file or a stray ``.<name>.*.tmp`` (which
:func:`remove_stray_temps` clears on the next start), never a half-written one.

Reading: :func:`read_text` refuses what is not a regular file (a folder, ``/dev/zero``, a pipe),
files larger than a stated limit, paths that cannot be a file name, and bytes that are not UTF-8
text, each with one :class:`~sim.errors.CorridorError` paragraph naming the file.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import stat
import tempfile
from pathlib import Path

from sim.errors import OutputError, ScenarioError, quoted

MiB = 1024 * 1024
MAX_INPUT_BYTES = 5 * MiB  # a scenario, sweep, parameters, observed or checks file is a few kB to a few 100 kB


# --------------------------------------------------------------------------- writing
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync and an atomic rename.

    A killed process leaves either the complete file or a stray ``.<name>.*.tmp``, never a
    half-written file; an existing file is replaced only once the new one is complete.

    Raises:
        OutputError: The folder cannot be written (full disk, no permission, not a folder).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; outputs are meant to be shared
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise write_error(path, exc) from None
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, obj) -> None:
    """Write JSON atomically (sorted keys, stable output)."""
    atomic_write_text(path, json.dumps(obj, indent=1, sort_keys=True, default=str) + "\n")


def atomic_write_frame(path: Path, frame, **to_csv) -> None:
    """Write a DataFrame as CSV atomically (LF line ends, no index)."""
    atomic_write_text(path, frame.to_csv(index=False, lineterminator="\n", **to_csv))


def write_error(path: Path, exc: OSError) -> OutputError:
    """The message for an output that cannot be written: which folder, why, and that nothing is half-written."""
    folder = Path(path).parent
    why = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
           errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "the disk is read-only",
           errno.ENOTDIR: "a part of the path is a file, not a folder"}.get(exc.errno, exc.strerror or str(exc))
    return OutputError(f"cannot write into {folder} ({why}); files already written there are complete, "
                       "none is half-written.", file=str(path),
                       hint="free some space or choose another output folder; re-running the same command "
                            "resumes where a sweep or an ensemble stopped.")


def remove_stray_temps(*folders: Path) -> None:
    """Delete the ``.*.tmp*`` files a killed writer left in ``folders`` (atomic writes and plots)."""
    for folder in folders:
        if Path(folder).is_dir():
            for tmp in Path(folder).glob(".*.tmp*"):
                if tmp.is_file():
                    tmp.unlink(missing_ok=True)


def output_folder(root: Path, *names: str) -> Path:
    """A default output folder ``root/name/...`` made from names found in inputs, each one checked.

    Names come from scenario and sweep names and file names; each must be one plain folder name
    (letters, digits, spaces, ``_ - .``, not ``.`` or ``..``, at most 120 characters), so that no
    output lands outside ``root``.

    Raises:
        OutputError: For a name that is not such a plain folder name (with the hint to give --out).
    """
    for name in names:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _.-]{0,119}", name) or name in (".", ".."):
            raise OutputError(f"'{quoted(name)}' cannot name an output folder (letters, digits, spaces, '_', '-' and "
                              "'.' only, starting with a letter or digit).", file=str(root),
                              hint="rename the file or give --out DIR.")
    return Path(root).joinpath(*names)


# --------------------------------------------------------------------------- reading
def read_bytes(path, *, what: str = "file", limit: int = MAX_INPUT_BYTES, error=ScenarioError) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; anything else is refused with ``error``.

    Args:
        path: The file.
        what: What the file is meant to be, for messages ("scenario file", "observed data file").
        limit: Largest size accepted, in bytes.
        error: The :class:`~sim.errors.CorridorError` subclass raised.
    """
    label = quoted(path, 200)
    try:
        text_path = os.fspath(path)
        if "\0" in text_path:
            raise error(f"the {what} path contains a NUL byte, so it cannot name a file.", file=label,
                        hint="check the path.")
        info = os.stat(text_path)
    except FileNotFoundError:
        raise error(f"the {what} does not exist.", file=label, hint="check the path.") from None
    except OSError as exc:
        reason = "the name is too long for a file name" if exc.errno == errno.ENAMETOOLONG else (exc.strerror or exc)
        raise error(f"the {what} cannot be read ({reason}).", file=label, hint="check the path.") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"this is a folder, not a {what}.", file=label, hint="give the path of a file.")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"this is not a regular file (a device, a pipe or a socket), so it cannot be a {what}.",
                    file=label, hint="give the path of a file.")
    if info.st_size > limit:
        raise error(f"the {what} is {info.st_size / MiB:.1f} MB, more than the {limit / MiB:.0f} MB a {what} may "
                    "hold.", file=label, hint="check that this is the file you meant.")
    try:
        with open(text_path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"the {what} cannot be read ({exc.strerror or exc}).", file=label,
                    hint="check the path and its permissions.") from None
    if len(data) > limit:  # grew while being read
        raise error(f"the {what} is larger than the {limit / MiB:.0f} MB a {what} may hold.", file=label)
    return data


def read_text(path, *, what: str = "file", limit: int = MAX_INPUT_BYTES, error=ScenarioError) -> str:
    """The text (UTF-8, optional BOM) of a regular file of at most ``limit`` bytes (see :func:`read_bytes`)."""
    data = read_bytes(path, what=what, limit=limit, error=error)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"the file is not text (UTF-8), so it cannot be a {what}.", file=quoted(path, 200),
                    hint="give the path of a text file.") from None


def read_csv_rows(path, columns: tuple[str, ...], *, what: str = "CSV file", error=ScenarioError,
                  limit: int = MAX_INPUT_BYTES) -> list[dict[str, str]]:
    """The rows of a small CSV file as text, read strictly: the ``columns`` present, every row complete.

    A row with more or fewer fields than the header, a missing column, a file with no rows, bytes
    that are not UTF-8 and files that are not regular or too large are all refused with one
    :class:`~sim.errors.CorridorError` naming the file and row. Each row is a mapping of column to
    stripped text, with its line number under ``"_line"``.
    """
    text = read_text(path, what=what, limit=limit, error=error)
    label = quoted(path, 200)
    try:
        rows = list(csv.reader(io.StringIO(text), strict=True))
    except csv.Error as exc:
        raise error(f"the {what} is not valid CSV ({exc}).", file=label) from None
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        raise error(f"the {what} is empty.", file=label, hint=f"columns needed: {', '.join(columns)}.")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in columns if c not in header]
    if missing:
        names = all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]{0,40}", h) for h in header)
        found = f" (found {quoted(', '.join(header), 120)})" if names else " (the first line holds no column names)"
        raise error(f"the {what} lacks the column(s) {', '.join(missing)}.", file=label,
                    hint=f"columns needed: {', '.join(columns)}{found}.")
    if len(set(header)) != len(header):
        raise error(f"the {what} names a column twice in its header.", file=label)
    if len(rows) == 1:
        raise error(f"the {what} has a header but no rows.", file=label)
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise error(f"row {number} has {len(row)} fields, the header has {len(header)} (a comma too many or "
                        "too few, or a value with a comma that is not in quotes?).", file=label)
        out.append({**dict(zip(header, (cell.strip() for cell in row))), "_line": number})
    return out


__all__ = ["MAX_INPUT_BYTES", "atomic_write_bytes", "atomic_write_frame", "atomic_write_json", "atomic_write_text",
           "output_folder", "read_bytes", "read_csv_rows", "read_text", "remove_stray_temps", "write_error"]
