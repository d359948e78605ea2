"""The plugin's state for one pytest process: one object, in ``config.stash``.

Settings, the loaded policies, memos of facts and verdicts, the located
wheels and the results the controller collects all live here, so hooks in
different modules never keep state of their own.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence

    from ._checks import Allowances
    from ._locate import Located
    from ._model import Audit, WheelFacts
    from ._policy import PolicySet
    from ._render import ResultJSON, WheelInfoJSON
    from ._settings import Settings

__all__ = ["SESSION", "Collected", "Session", "session_of"]


@dataclass
class Collected:
    """What the controller gathers from every report, in any order and from any worker."""

    results: dict[tuple[str, str, str, str], ResultJSON]
    infos: dict[str, WheelInfoJSON]
    errors: dict[str, str]
    hows: dict[str, str]


class Session:
    """Per-process plugin state."""

    def __init__(self, config: pytest.Config, settings: Settings) -> None:
        self.config = config
        self.settings = settings
        self.gated: frozenset[Path] = frozenset()
        self.header_shown = False
        self.collected = Collected({}, {}, {}, {})
        self._policies: PolicySet | None = None
        self._facts: dict[Path, WheelFacts] = {}
        self._audits: dict[tuple[Path, str | None, str, str, str, tuple[int, int] | None], Audit] = {}
        self._located: list[Located] | None = None
        self.sent_info: set[str] = set()

    @property
    def is_worker(self) -> bool:
        """True in a pytest-xdist worker (without importing xdist)."""
        return hasattr(self.config, "workerinput")

    @functools.cached_property
    def policy_names(self) -> tuple[str, ...]:
        """The policy names and aliases markers may carry, sorted: every test asks, so found once.

        Without ``--policy-file`` no JSON is decoded for them (issue 19).
        """
        from ._policy import policy_names  # noqa: PLC0415

        return policy_names(self.settings.policy_files)

    @property
    def policies(self) -> PolicySet:
        """The policy data in force, loaded on first use; bad data is a usage error."""
        if self._policies is None:
            from ._errors import ManylinuxError  # noqa: PLC0415
            from ._policy import load_policies  # noqa: PLC0415

            try:
                self._policies = load_policies(self.settings.policy_files)
            except ManylinuxError as e:
                raise pytest.UsageError(str(e)) from e
        return self._policies

    def allowances(
        self,
        libraries: Mapping[str, str] | None = None,
        symbols: Mapping[str, str] | None = None,
        checks: Mapping[str, str] | None = None,
    ) -> Allowances:
        """The config file's allowlists, with a marker's on top."""
        from ._checks import Allowances  # noqa: PLC0415

        return Allowances(
            libraries={**self.settings.allow_libraries, **(libraries or {})},
            symbols={**self.settings.allow_symbols, **(symbols or {})},
            checks={**self.settings.allow_checks, **(checks or {})},
        )

    def read(self, path: Path) -> WheelFacts:
        """Facts of a wheel: read once per run, kept in pytest's cache between runs.

        Under pytest-xdist every worker collects the same gate, so every worker
        needs the facts; the first to ask reads the wheel while holding a lock
        in the directory the workers share, and the others wait, then find
        the entry it saved (keyed by the sha256 of the wheel's bytes). Without
        pytest's cache provider, the run's own temporary directory serves.
        """
        if path not in self._facts:
            from ._audit import read_wheel_facts  # noqa: PLC0415
            from ._cache import DirCache  # noqa: PLC0415
            from ._wheel import Limits  # noqa: PLC0415

            cache = getattr(self.config, "cache", None)  # absent under -p no:cacheprovider
            shared = self._shared_dir()
            if cache is not None:
                store: DirCache | None = DirCache(cache.mkdir("manylinux-facts"))
            elif shared is not None:
                store = DirCache(shared / "manylinux-facts")
            else:
                store = None
            with _lock(shared, path):
                self._facts[path] = read_wheel_facts(path, Limits(**self.settings.limits), store)
        return self._facts[path]

    def _shared_dir(self) -> Path | None:
        """The temporary directory all xdist workers of this run share (None outside xdist)."""
        basetemp = self.config.getoption("basetemp", None)  # xdist gives each worker <run's temp>/gwN
        if not self.is_worker or not basetemp:
            return None
        shared = Path(basetemp).resolve().parent
        return shared if shared.is_dir() else None

    def judge(self, path: Path, policy: str | None, allow: Allowances) -> Audit:
        """The audit for one wheel, policy and allowlist, evaluated once per process."""
        from ._audit import judge  # noqa: PLC0415

        target = None if policy in (None, "auto") else policy
        # Every allowance changes the verdict, so every one is part of the memo's key.
        key = (path, target, repr(sorted(allow.libraries.items())), repr(sorted(allow.symbols.items())),
               repr(sorted(allow.checks.items())), allow.assume_abi3)  # fmt: skip
        if key not in self._audits:
            self._audits[key] = judge(self.read(path), target, policies=self.policies, allow=allow)
        return self._audits[key]

    def policy_for(self, path: Path, names: Sequence[str] | None = None) -> str | None:
        """The one of ``names`` (default: ``--manylinux-policy``) for this wheel (None: its declared tags)."""
        names = self.settings.policy if names is None else names
        if len(names) > 1:
            from ._audit import choose_policy  # noqa: PLC0415

            return choose_policy(names, self.read(path))
        return names[0] if names else None

    def candidates(self) -> list[Located]:
        """The wheels markers and fixtures judge, without building: the option, else dist/.

        Raises :class:`~pytest_manylinux._locate.NoWheelError` when a spec
        matches nothing. An empty list means: build one (unless told never to).
        """
        if self._located is None:
            from ._locate import Located, expand_wheels, find_in_dist, project_name  # noqa: PLC0415

            settings = self.settings
            if settings.wheels:
                specs = [(s.text, s.base, s.source) for s in settings.wheels]
                self._located = [Located(p, "given") for p in expand_wheels(specs)]
            elif settings.build == "always":
                self._located = []
            else:
                root = self.project
                self._located = [Located(p, "found in dist/") for p in find_in_dist(root, project_name(root))]
        return self._located

    @property
    def project(self) -> Path:
        """The project whose wheel is found in its dist/ or built: ``--manylinux-project``, else the rootdir."""
        request = self.settings.build_request
        return request.project if request is not None else self.config.rootpath

    def built(self, tmp_path_factory: pytest.TempPathFactory, progress: Callable[[str], None] | None = None) -> Located:
        """Build the project's wheel once for the whole run (also across xdist workers)."""
        from ._locate import BuildRequest, Located, build_wheel  # noqa: PLC0415

        if self.settings.build == "never":
            from ._errors import ManylinuxError  # noqa: PLC0415

            msg = "no wheel for this project in dist/ and --manylinux-build=never: build one, or pass --manylinux-wheel"
            raise ManylinuxError(msg)
        base = tmp_path_factory.getbasetemp()
        shared = base.parent if self.is_worker else base
        request = self.settings.build_request or BuildRequest(self.project)
        located = Located(build_wheel(request, shared, progress=progress), "built locally with pypa/build")
        self._located = [located]
        return located

    def how(self, path: Path) -> str:
        """How a wheel was found, for the reports."""
        for located in self._located or ():
            if located.path == path:
                return located.how
        return "given"

    def header(self) -> str:
        """The line naming the policy, the wheels under test and the policy data."""
        settings = self.settings
        policy = ", ".join(settings.policy) or "from markers, else each wheel's declared tags"
        wheels = "none"
        if self.gated:
            wheels = ", ".join(sorted(str(p) for p in self.gated))
        else:
            try:
                found = self.candidates()
            except Exception as e:  # noqa: BLE001 - the header must never break a run; the error shows where it matters
                found, wheels = [], f"none ({e})"
            if found:
                wheels = ", ".join(f"{loc.path} ({loc.how})" for loc in found)
            elif settings.build == "never":
                wheels = "none in dist/ (--manylinux-build=never)"
            elif not settings.wheels:
                wheels = "to be built locally with pypa/build: not the wheel you will upload"
        from ._cache import unsafe  # noqa: PLC0415

        note = unsafe()  # said once, here: every wheel is read anew on this OS
        return f"manylinux: policy {policy}; wheel {wheels}; policy data {self.policies.source}" + (
            f"; {note}" if note else ""
        )


@contextlib.contextmanager
def _lock(shared: Path | None, wheel: Path) -> Iterator[None]:
    """Hold a lock named after ``wheel`` in ``shared`` (no lock outside xdist).

    pytest-xdist's recipe for work done once per run: the build's lock
    helper, portable to every OS.
    """
    if shared is None:
        yield
        return
    from ._files import exclusive_lock  # noqa: PLC0415 - only xdist workers lock

    name = hashlib.sha256(str(wheel.resolve()).encode()).hexdigest()[:24]
    with exclusive_lock(shared / f"manylinux-read-{name}.lock"):
        yield


SESSION = pytest.StashKey[Session]()


def session_of(config: pytest.Config) -> Session:
    """The plugin state of this pytest process."""
    return config.stash[SESSION]
