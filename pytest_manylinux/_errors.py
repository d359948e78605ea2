"""One exception family, so callers catch one type and users read one line.

Every message names the input it is about (the wheel, and the member inside it
when there is one), because a release gate audits many files in one run.
"""

from __future__ import annotations

import re

__all__ = [
    "InvalidELFError",
    "InvalidWheelError",
    "ManylinuxError",
    "PolicyDataError",
    "ScratchSpaceError",
    "UnknownPolicyError",
    "node_name",
    "one_line",
    "plain",
    "safe_annotation",
    "safe_json",
    "safe_output",
]


def one_line(text: str) -> str:
    """``text`` with every unprintable character escaped, so a message stays one line.

    Member names and paths come from the input: a newline, an ANSI escape or a
    U+2028 in a hostile name must not rewrite the report it appears in.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


# -- workflow commands ----------------------------------------------------------------------
#
# A CI runner reads the job's output as commands: GitHub's runner
# (actions/runner, src/Runner.Common/ActionCommand.cs) runs ``##[name ...]data``
# found anywhere in a line (``TryParse``: ``IndexOf("##[")``) and ``::name ...::data``
# at the start of a line once leading whitespace is trimmed (``TryParseV2``:
# ``TrimStart().StartsWith("::")``). A wheel naming a member ``##[stop-commands]x``
# would hide every annotation after it, ``::add-mask::...`` would mask our own
# words. Both are written with one character escaped, ``\x23`` for ``#`` and
# ``\x3a`` for ``:``, as one_line writes a control character: visible, and
# read back by undoing the escape.

# The runner finds both with .NET's culture-sensitive IndexOf/StartsWith, which skip
# default-ignorable characters: the unprintable ones are escaped already (one_line),
# these printable ones (combining grapheme joiner, variation selectors) may sit between.
_IGNORABLE = "\u034f\u17b4\u17b5\u180b-\u180d\ufe00-\ufe0f\U000e0100-\U000e01ef"
_V1 = re.compile(f"(#[{_IGNORABLE}]*)#(?=[{_IGNORABLE}]*\\[)")
_V2 = re.compile(f"^([\\s{_IGNORABLE}]*):(?=[{_IGNORABLE}]*:)")
#: Our own annotations, and nothing else, may start a line with ``::`` (see _render.render_annotations).
_ANNOTATION = re.compile(r"::error (?:file=[^:,]*,)?title=[^:,]*::.*")


def _defuse(line: str) -> str:
    """``line`` with no ``##[`` in it and no ``::`` at its start (after whitespace)."""
    if "#" in line:
        line = _V1.sub(r"\1\\x23", line)
    return _V2.sub(r"\1\\x3a", line) if ":" in line else line


def plain(text: str) -> str:
    """A string from the input (a member name, soname, symbol, RPATH, tag) for a line of text.

    one_line's escapes, and no workflow command can start inside it: the
    renderer's escape for every wheel-derived string.
    """
    return _defuse(one_line(text))


def node_name(member: str) -> str:
    """A member name as a pytest node name: plain, with ``:`` and ``[`` escaped too.

    A node ID given back to pytest is split at ``::`` and cut at its first
    ``[`` (the parametrization of its last part: ``_pytest.main.resolve_collection_argument``),
    so a name holding either would select nothing.
    """
    return plain(member).replace(":", "\\x3a").replace("[", "\\x5b")


def safe_output(text: str) -> str:
    """The last guard before text reaches a terminal, a log or a report file, whatever made it.

    Per line: any unprintable character escaped, no ``##[``, no ``::`` at the
    start. Text that passed through the renderer comes out unchanged.
    """
    return "\n".join(_defuse(line if line.isprintable() else one_line(line)) for line in text.split("\n"))


def safe_annotation(line: str) -> str:
    """One of our ``::error`` lines, kept a command when well-formed; anything else guarded as output."""
    if line.isprintable() and _ANNOTATION.fullmatch(line):
        return _V1.sub(r"\1\\x23", line)
    return safe_output(line)


def safe_json(text: str) -> str:
    r"""JSON text with ``##[`` written ``#\u0023[``: json.loads reads the same string, the runner no command.

    ``#`` occurs only inside JSON strings, where ``\u0023`` is the same
    character; json.dumps' ensure_ascii already writes every control and
    non-ASCII character as ``\uXXXX``, and indented JSON starts no line with ``::``.
    """
    return text.replace("##[", "#\\u0023[")


#: Longest user-given name echoed back in a message: the line stays a line.
_MAX_ECHO = 100


class ManylinuxError(Exception):
    """Base of every error pytest-manylinux raises on bad input or bad usage."""


class InvalidWheelError(ManylinuxError):
    """The wheel (zip, directory or file) cannot be read safely."""

    def __init__(self, wheel: str, problem: str, *, member: str | None = None) -> None:
        wheel, problem = one_line(wheel), one_line(problem)
        member = None if member is None else one_line(member)
        self.wheel = wheel
        self.member = member
        self.problem = problem
        where = f"{wheel}: {member}" if member else wheel
        super().__init__(f"{where}: {problem}")


class ScratchSpaceError(ManylinuxError):
    """Our own temporary copy of a member could not be written: the machine's fault, not the wheel's."""

    def __init__(self, wheel: str, member: str, error: OSError) -> None:
        why = error.strerror or str(error)
        super().__init__(
            one_line(
                f"{wheel}: {member}: cannot write a temporary copy to inflate it ({why}); this is not a problem "
                "with the wheel: free space in the temporary directory (TMPDIR) or raise the file-size limit"
            )
        )


class InvalidELFError(ManylinuxError):
    """An ELF file is truncated, inconsistent or hostile."""

    def __init__(self, path: str, problem: str) -> None:
        path, problem = one_line(path), one_line(problem)
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: invalid ELF: {problem}")


class UnknownPolicyError(ManylinuxError, LookupError):
    """A policy name that the policy data does not define."""

    def __init__(self, name: str, suggestions: tuple[str, ...] = (), *, reason: str | None = None) -> None:
        self.name = name
        shown = name if len(name) <= _MAX_ECHO else f"{name[:_MAX_ECHO]}... ({len(name)} characters)"
        self.suggestions = suggestions
        if reason:
            hint = f": {reason}"
        elif suggestions:
            hint = f" (did you mean {', '.join(suggestions)}?)"
        else:
            hint = ""
        super().__init__(one_line(f"unknown policy {shown!r}{hint}"))

    def __str__(self) -> str:
        # LookupError would otherwise repr() the message.
        return str(self.args[0])


class PolicyDataError(ManylinuxError):
    """A policy JSON file is malformed or breaks PEP 600's monotonicity."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        super().__init__(f"{source}: {problem}")
