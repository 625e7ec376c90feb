"""What the command writes: files written whole or not at all, one output name per input, and text for a
terminal made inert (no control character of a policy or a file name reaches it raw)."""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

# C0 controls, DEL and C1 controls: a terminal acts on them (clear the screen, retitle the window, move
# the cursor). Lone surrogates (the bytes of a file name that is not UTF-8) cannot be encoded at all.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
# In a text output, newline and tab lay out lines and columns; in one line (a message, one field) they
# would break it, as would the Unicode line and paragraph separators.
_IN_TEXT = re.compile(f"[{_CONTROLS}]")
_IN_ONE_LINE = re.compile(f"[{_CONTROLS}\t\n\u2028\u2029]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def inert(text: str, one_line: bool = True) -> str:
    """`text` with every control character written as an escape (`\\x1b`); newline and tab are kept only
    when `one_line` is false, for text whose lines they lay out."""
    return (_IN_ONE_LINE if one_line else _IN_TEXT).sub(_escaped, text)


# What JSON keeps raw with ensure_ascii=False but a terminal would act on or an encoder refuse: C1 controls,
# the Unicode line separators and lone surrogates (JSON escapes C0 itself).
_RAW_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff]")


def json_text(value: object, indent: int | None = 2) -> str:
    """`value` as JSON text, non-ASCII characters as themselves but for those of _RAW_IN_JSON, which are
    written as \\u escapes (the same JSON value: they can only stand inside strings)."""
    text = json.dumps(value, indent=indent, ensure_ascii=False)
    return _RAW_IN_JSON.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class OutputError(Exception):
    """An output that cannot be written: one line naming the path and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")


def _problem(error: OSError) -> str:
    """The system's reason in the message's words ("no space left on device", "read-only file system")."""
    reason = error.strerror or str(error)
    return reason[:1].lower() + reason[1:]


def output_folder(folder: Path) -> None:
    """Create the folder that outputs go into (several records, a digest), or say why it cannot be one."""
    # os.path's tests, unlike Path's, answer False for a name the system refuses (too long) instead of raising.
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise OutputError(folder, "is a file, not a folder (the outputs are written one file each into it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as error:
        raise OutputError(folder, "cannot be a folder: a file is in its path") from error
    except OSError as error:
        raise OutputError(folder, f"cannot be created ({_problem(error)})") from error


def check_output_file(path: Path) -> None:
    """Refuse, before any work, an output file that is a folder."""
    if os.path.isdir(path):
        raise OutputError(path, "is a folder: one input is written to one file (name the file)")


def write_atomic(path: Path, text: str) -> None:
    """Write a file so that readers never see it half-written (temp file beside it, then rename); an
    OutputError naming the path when it cannot be written, and no temp file left behind.

    Lone surrogates (a file name that is not UTF-8, decoded by Python as surrogates) are written as
    `\\udcff` escapes, which JSON reads back as the same name."""
    check_output_file(path)
    output_folder(path.parent)
    try:
        # The temp name does not repeat the target's: a name near the 255-byte limit must still fit.
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".policydiff-", suffix=".tmp")
    except OSError as error:
        raise OutputError(path, f"cannot be written ({_problem(error)})") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors="backslashreplace") as out:
            out.write(text)
        # mkstemp creates the file private (0600); a report is an ordinary file: honour the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException as error:
        Path(temp).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise OutputError(path, f"cannot be written ({_problem(error)})") from error
        raise


def output_names(inputs: Sequence[Path], folder: Path, suffix: str) -> list[Path]:
    """One output file per input under `folder` (-o DIR): the input's path below the deepest folder holding
    all the inputs, plus `suffix` (a/policy.txt and b/policy.txt give a/policy.txt.json and
    b/policy.txt.json). Two inputs that would share a name (one file given twice) are refused before
    anything is written."""
    absolute = [Path(os.path.abspath(path)) for path in inputs]
    base = Path(os.path.commonpath([path.parent for path in absolute]))
    names = [folder / path.relative_to(base).with_name(path.name + suffix) for path in absolute]
    # Compared without case: on a case-insensitive disk A.txt and a.txt would overwrite each other.
    first: dict[str, Path] = {}
    for source, name in zip(inputs, names, strict=True):
        key = str(name).casefold()
        if key in first:
            raise OutputError(
                name, f"both {first[key]} and {source} would be written here: give each input once"
            )
        first[key] = source
    return names
