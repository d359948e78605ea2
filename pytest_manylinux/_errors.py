"""One exception family, so callers catch one type and users read one line.

Every message names the input it is about (the wheel, and the member inside it
when there is one), because a release gate audits many files in one run.
"""

from __future__ import annotations

__all__ = [
    "InvalidELFError",
    "InvalidWheelError",
    "ManylinuxError",
    "PolicyDataError",
    "UnknownPolicyError",
    "one_line",
]


def one_line(text: str) -> str:
    """``text`` with every unprintable character escaped, so a message stays one line.

    Member names and paths come from the input: a newline, an ANSI escape or a
    U+2028 in a hostile name must not rewrite the report it appears in.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


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
