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
]


class ManylinuxError(Exception):
    """Base of every error pytest-manylinux raises on bad input or bad usage."""


class InvalidWheelError(ManylinuxError):
    """The wheel (zip, directory or file) cannot be read safely."""

    def __init__(self, wheel: str, problem: str, *, member: str | None = None) -> None:
        self.wheel = wheel
        self.member = member
        self.problem = problem
        where = f"{wheel}: {member}" if member else wheel
        super().__init__(f"{where}: {problem}")


class InvalidELFError(ManylinuxError):
    """An ELF file is truncated, inconsistent or hostile."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: invalid ELF: {problem}")


class UnknownPolicyError(ManylinuxError, LookupError):
    """A policy name that the policy data does not define."""

    def __init__(self, name: str, suggestions: tuple[str, ...] = (), *, reason: str | None = None) -> None:
        self.name = name
        self.suggestions = suggestions
        if reason:
            hint = f": {reason}"
        elif suggestions:
            hint = f" (did you mean {', '.join(suggestions)}?)"
        else:
            hint = ""
        super().__init__(f"unknown policy {name!r}{hint}")

    def __str__(self) -> str:
        # LookupError would otherwise repr() the message.
        return str(self.args[0])


class PolicyDataError(ManylinuxError):
    """A policy JSON file is malformed or breaks PEP 600's monotonicity."""

    def __init__(self, source: str, problem: str) -> None:
        self.source = source
        super().__init__(f"{source}: {problem}")
