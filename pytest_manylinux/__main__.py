"""``pytest-manylinux`` / ``python -m pytest_manylinux``: audit wheels from a shell.

Exit codes: 0 when every input passes its target (the ``--policy`` given, else
the tags each wheel declares), 1 when something fails, 2 on a usage error or
an input that cannot be read. Bad input gives one line naming the file, never
a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from ._audit import audit, check_policies
from ._cache import DirCache, default_dir, unsafe
from ._checks import Allowances
from ._config import (
    ALLOWLISTS,
    ConfigError,
    ProjectConfig,
    find_config,
    parse_entries,
    read_config,
    render_unused,
)
from ._errors import ManylinuxError, safe_annotation, safe_json, safe_output
from ._locate import NoWheelError, expand_wheels
from ._policy import load_policies
from ._render import (
    audit_document,
    render_audit,
    render_baseline,
    render_facts,
    render_markdown,
    render_policies,
    run_verdict,
)
from ._wheel import LIMIT_OPTIONS, LimitOption, Limits, inflater

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Sequence

    from ._baseline import Entry
    from ._model import Audit
    from ._policy import PolicySet
    from ._render import BaselineJSON, DocumentJSON

__all__ = ["entrypoint", "main", "main_parser"]

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2


class _Args(argparse.Namespace):
    paths: list[str]
    policy: str | None
    policy_files: list[Path]
    json: bool
    format: str | None
    verbose: bool
    cache_dir: Path | None
    no_cache: bool
    baseline: str | None
    update_baseline: bool
    size_ratio: float | None
    assume_minimum_abi3: tuple[int, int] | None
    show: bool
    list_policies: bool
    config: Path | None
    no_config: bool
    allow_library: list[str]
    allow_symbol: list[str]
    allow_check: list[str]
    strict_allowlist: bool
    jobs: int


def _version() -> str:
    """The installed version; importlib.metadata costs ~30 ms, so only on demand."""
    from . import __version__  # noqa: PLC0415

    return str(__version__)


class _VersionAction(argparse.Action):
    def __call__(self, parser: argparse.ArgumentParser, *_: object, **__: object) -> None:
        print(f"{parser.prog} {_version()}")
        parser.exit()


def _parser(option: LimitOption) -> Callable[[str], int]:
    """argparse's ``type=`` for one limit: its parser, with argparse's error."""

    def parse(text: str) -> int:
        try:
            return option.parse(text)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None

    return parse


def _ratio(text: str) -> float:
    from ._baseline import parse_size_ratio  # noqa: PLC0415 - only when the option is given

    try:
        return parse_size_ratio(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _python_version(text: str) -> tuple[int, int]:
    """``3.8`` -> (3, 8), for ``--assume-minimum-abi3``."""
    major, dot, minor = text.strip().partition(".")
    if not (dot and major == "3" and minor.isdigit() and len(minor) <= 3):  # noqa: PLR2004 - the stable ABI is 3.x
        msg = f"not a CPython 3 version: {text!r} (write it as 3.8)"
        raise argparse.ArgumentTypeError(msg)
    return 3, int(minor)


def _usable_cores() -> int:
    """The cores this process may run on (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


_MAX_JOBS = 1024


def _jobs(text: str) -> int:
    """``--jobs``: a whole number from 1 to 1024."""
    value = text.strip()
    if not value.isdigit() or not 1 <= int(value) <= _MAX_JOBS:
        msg = f"not a job count: {text!r} (give a whole number from 1 to {_MAX_JOBS})"
        raise argparse.ArgumentTypeError(msg)
    return int(value)


def main_parser(prog: str | None = None) -> argparse.ArgumentParser:
    """The argument parser, separate so docs and tests can inspect it."""
    parser = argparse.ArgumentParser(
        prog=prog or "pytest-manylinux",  # argparse's default under ``python -m`` is "__main__.py"
        description="Audit Linux wheels (or directories, or ELF files) against manylinux/musllinux policies.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="wheel, glob, directory of wheels (else an unpacked tree), ELF file, or installed:NAME",
    )
    parser.add_argument(
        "--policy",
        help="judge against this policy (name or alias, e.g. manylinux2014, manylinux_2_28, "
        "musllinux_1_2; an arch suffix is optional) instead of the wheel's declared tags; a comma-separated "
        "list holds each wheel to the one of its libc and arch",
    )
    parser.add_argument(
        "--policy-file",
        dest="policy_files",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="policy JSON in auditwheel's format; replaces the manylinux or musllinux data it defines",
    )
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default=None,
        help="text diffs (default), one versioned JSON document, or a Markdown table for CI job summaries",
    )
    parser.add_argument("--json", action="store_true", help="same as --format=json")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        metavar="DIR",
        help="keep facts of unchanged wheels here (default: $XDG_CACHE_HOME/pytest-manylinux)",
    )
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the facts cache")
    parser.add_argument(
        "--assume-minimum-abi3",
        type=_python_version,
        metavar="X.Y",
        help="judge .abi3.so files that no wheel tag dates (bare files, trees) against this CPython's stable ABI",
    )
    limits = parser.add_argument_group("limits", "refuse inputs past these bounds (one line, exit 2)")
    for option in LIMIT_OPTIONS:
        limits.add_argument(
            option.flag, dest=option.field, type=_parser(option), metavar=option.kind.upper(), help=option.help
        )
    ratchet = parser.add_argument_group(
        "ratchet", "fail when a wheel needs more than its baseline (README: Ratcheting)"
    )
    ratchet.add_argument(
        "--baseline",
        metavar="FILE|DIR|WHEEL",
        help="compare each wheel with its family's entry in this baseline file, or with these wheels "
        "of an earlier release (a wheel, glob or directory of wheels)",
    )
    ratchet.add_argument(
        "--update-baseline",
        action="store_true",
        help="write or refresh the --baseline FILE with the wheels audited (atomically) and say what changed",
    )
    ratchet.add_argument(
        "--size-ratio",
        type=_ratio,
        metavar="R",
        help="a wheel larger than R times its baseline size is a regression (default 1.5; 0 turns it off)",
    )
    config = parser.add_argument_group(
        "configuration",
        "the manylinux_* keys of the config file pytest would read here (pytest.toml, pytest.ini, pyproject.toml, "
        "tox.ini, setup.cfg), as the pytest plugin reads them; command-line options override them (README: Reference)",
    )
    config.add_argument(
        "-c",
        "--config",
        type=Path,
        metavar="FILE",
        help="read this config file, of any kind pytest reads, as pytest -c FILE does (default: the file pytest "
        "would find from the common directory of the PATHs upward)",
    )
    config.add_argument("--no-config", action="store_true", help="read no config file")
    config.add_argument(
        "--allow-library",
        action="append",
        default=[],
        metavar="'LIB: REASON'",
        help="accept a library that is not on the policy (repeatable; a glob such as 'libcuda.so.*: ...')",
    )
    config.add_argument(
        "--allow-symbol",
        action="append",
        default=[],
        metavar="'SYMBOL: REASON'",
        help="accept a symbol version, as 'memcpy@GLIBC_2.14: ...' or 'GLIBC_2.14: ...' (repeatable)",
    )
    config.add_argument(
        "--allow-check",
        action="append",
        default=[],
        metavar="'CHECK[:GLOB]: REASON'",
        help="accept a check's violations, all of them or those whose subject or file matches GLOB, "
        "as 'rpath:pkg/*.so: ...' (repeatable)",
    )
    config.add_argument(
        "--strict-allowlist",
        action="store_true",
        help="fail (exit 1) when an allowlist entry accepted nothing (also manylinux_strict_allowlist = true)",
    )
    parser.add_argument(
        "-j",
        "--jobs",
        type=_jobs,
        default=_usable_cores(),
        metavar="N",
        help="audit up to N wheels at once (default: the usable cores, here %(default)s; 1: one after another)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="also show allowed or passing detail")
    parser.add_argument(
        "--show",
        action="store_true",
        help="what auditwheel show tells: per ELF file its libraries and highest versions, and what to change",
    )
    parser.add_argument(
        "--list-policies", action="store_true", help="list every policy name, alias and architecture, and exit"
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    return parser


def _say(text: str, *, err: bool = False, end: str = "\n") -> None:
    """Every line the CLI writes, through the last guard: no control character, no CI workflow command."""
    print(safe_output(text), end=end, file=sys.stderr if err else sys.stdout)


def _error(message: str) -> NoReturn:
    _say(f"pytest-manylinux: error: {message}", err=True)
    raise SystemExit(EXIT_ERROR)


def main(cli_args: Sequence[str], prog: str | None = None) -> int:
    """Run the CLI on ``cli_args`` and return the exit code."""
    args = main_parser(prog).parse_args(cli_args, namespace=_Args())
    if args.json and args.format not in (None, "json"):
        _error(f"--json and --format={args.format} contradict each other: give one")
    output = "json" if args.json else (args.format or "text")
    try:
        inflater()  # a typo in PYTEST_MANYLINUX_INFLATER is a usage error, before any wheel is read
        allow, strict = _configure(args)
        if args.baseline is None and (args.update_baseline or args.size_ratio is not None):
            _error("--update-baseline and --size-ratio need --baseline FILE (or manylinux_baseline in the config)")
        policies = load_policies(args.policy_files)
        if args.list_policies:
            _say(render_policies(policies))
            return EXIT_OK
        if not args.paths:
            _error("give at least one wheel, directory, ELF file or installed:NAME (or --list-policies)")
        names = _policy_names(args.policy, policies)  # fail on a typo before reading any wheel
        here = Path.cwd()
        inputs = expand_wheels([(p, here, "input") for p in args.paths], trees=True)
    except (ManylinuxError, NoWheelError) as e:
        _error(str(e))
    store = None if args.no_cache else DirCache(args.cache_dir or default_dir())
    if store is not None and (note := unsafe()):
        _say(f"pytest-manylinux: note: {note}", err=True)
    bounds = {option.field: getattr(args, option.field, None) for option in LIMIT_OPTIONS}
    limits = Limits(**{k: v for k, v in bounds.items() if v is not None})
    baseline = _baseline_entries(args, policies, store, limits) if args.baseline is not None else None
    job = _Job(names, policies, store, limits, allow)
    audits, errors = _gather(_in_order(job, inputs, args.jobs))
    baselines = _ratchet(args, audits, *baseline) if baseline is not None else {}
    doc = audit_document(
        audits,
        tool=f"pytest-manylinux {_version()}",
        policy_data=policies.source,
        errors=errors,
        baselines=baselines,
    )
    code = EXIT_ERROR if errors else (EXIT_OK if doc["passed"] else EXIT_FAIL)
    unused = allow.unused(audits) if not errors else {}
    code = EXIT_FAIL if unused and strict and code == EXIT_OK else code
    # The document states the exit code it comes with, and never "passed" beside a failing one.
    doc = {**doc, "exit_status": code, "passed": code == EXIT_OK}
    _print(output, doc, audits, baselines, verbose=args.verbose, show=args.show)
    for line in render_unused(unused, strict=strict):
        _say(f"pytest-manylinux: {line}", err=True)
    _annotate(doc)
    return code


def _gather(results: Iterable[Audit | str]) -> tuple[list[Audit], list[str]]:
    """The audits in input order, and each unreadable input's one-line error, said where it falls."""
    audits: list[Audit] = []
    errors: list[str] = []
    for result in results:
        if isinstance(result, str):
            message = result
        elif result.facts.kind == "directory" and not result.facts.elves:
            message = f"{result.facts.path}: no wheel and no ELF file in this directory"
        else:
            audits.append(result)
            continue
        errors.append(message)
        _say(f"pytest-manylinux: error: {message}", err=True)
    return audits, errors


@dataclass(frozen=True)
class _Job:
    """What every input of one run is audited with, in this process or in a ``--jobs`` worker."""

    names: tuple[str, ...]
    policies: PolicySet
    store: DirCache | None
    limits: Limits
    allow: Allowances

    def __call__(self, path: Path) -> Audit | str:
        """One input's audit, or its one-line error (a message crosses processes; an exception may not)."""
        try:
            return _audit_one(
                path, self.names, policies=self.policies, store=self.store, limits=self.limits, allow=self.allow
            )
        except ManylinuxError as e:
            return str(e)


_WORKER_JOB: list[_Job] = []  # set once in each worker process


def _start_worker(job: _Job, processes: int) -> None:
    """A ``--jobs`` worker: Ctrl-C is the parent's to handle; its share of the in-flight budget."""
    import signal  # noqa: PLC0415 - workers only

    from ._audit import share_in_flight  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    share_in_flight(processes)
    _WORKER_JOB.append(job)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reported by the audit itself


def _in_worker(path: Path) -> Audit | str:
    return _WORKER_JOB[0](path)


def _in_order(job: _Job, inputs: Sequence[Path], jobs: int) -> Iterator[Audit | str]:
    """``job`` on every input, in up to ``jobs`` processes, yielded in input order.

    Processes, not threads: inflating and hashing release the GIL, but
    pyelftools' parsing holds it, and on a wheelhouse threads gained nothing
    while two processes took 1.5x less wall time on two cores (issue 14).
    Workers are forked where the platform allows (no re-import, nothing
    pickled to start them); they share the facts cache directory (atomic
    writes) and split the in-flight byte budget. A worker that dies is one
    error line, and Ctrl-C or any exception stops the others at once.
    """
    if jobs <= 1 or len(inputs) < 2:  # noqa: PLR2004 - nothing to overlap
        yield from map(job, inputs)
        return
    import multiprocessing  # noqa: PLC0415 - only for several inputs
    import threading  # noqa: PLC0415

    # From the module itself, not the package's lazy attribute: the executor's classes and the
    # ones its pickler looks up must come from the same module object, even after a host (pytester)
    # has dropped and re-imported it.
    from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor  # noqa: PLC0415

    # Fork only a single-threaded process (the CLI): forking a host that runs threads (main()
    # called inside pytest-xdist's worker) can copy a held lock into the child.
    fork = sys.platform.startswith("linux") and threading.active_count() == 1
    processes = min(jobs, len(inputs))
    pool = ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("fork" if fork else "spawn"),
        initializer=_start_worker,
        initargs=(job, processes),
    )
    done = False
    try:
        # Largest first, so the biggest wheel does not start last on a busy worker; yielded in input order.
        futures = {path: pool.submit(_in_worker, path) for path in sorted(set(inputs), key=_size, reverse=True)}
        for path in inputs:
            yield futures[path].result()
        done = True
    except BrokenProcessPool:
        _error("a --jobs worker process died (out of memory, or killed): rerun with -j 1 to see which input")
    finally:
        if not done:  # Ctrl-C or an error: stop the running audits rather than wait for them
            for process in list((getattr(pool, "_processes", None) or {}).values()):  # no public way to stop them
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)


def _policy_names(value: str | None, policies: PolicySet) -> tuple[str, ...]:
    """``--policy``'s comma-separated names, each known, at most one per libc and arch (issue 15)."""
    names = tuple(dict.fromkeys(n.strip() for n in (value or "").split(",") if n.strip()))
    for name in names:
        if name != "auto":
            policies.validate(name)
    if len(names) > 1:
        check_policies(names)
    return names


def _annotate(doc: DocumentJSON) -> None:
    """On GitHub Actions, ``::error`` annotations on stderr: stdout stays the JSON or text asked for."""
    if os.environ.get("GITHUB_ACTIONS") == "true":
        from ._render import render_annotations  # noqa: PLC0415 - only on GitHub Actions

        for line in render_annotations(doc):
            print(safe_annotation(line), file=sys.stderr)


def _audit_one(
    path: Path,
    names: tuple[str, ...],
    *,
    policies: PolicySet,
    store: DirCache | None,
    limits: Limits,
    allow: Allowances,
) -> Audit:
    """Audit one input against the policy of ``--policy`` that applies to it (issue 15)."""
    if len(names) < 2:  # noqa: PLR2004 - one policy (or none) applies to every input
        return audit(path, names[0] if names else None, policies=policies, store=store, limits=limits, allow=allow)
    from ._audit import choose_policy, judge, read_wheel_facts  # noqa: PLC0415

    facts = read_wheel_facts(path, limits, store)
    return judge(facts, choose_policy(names, facts), policies=policies, allow=allow)


def _configure(args: _Args) -> tuple[Allowances, bool]:
    """Read the config file into ``args`` where the command line is silent; the allowances, and strictness."""
    project = _project_config(args)
    allow, strict = _allowances(args, project)
    _apply_config(args, project)
    if args.policy == "auto":
        args.policy = None  # the plugin's "auto": each wheel's declared tags, the CLI's default
    return allow, strict


def _project_config(args: _Args) -> ProjectConfig:
    """The config file pytest would read for these paths (or --config FILE), unless --no-config."""
    if args.no_config:
        if args.config is not None:
            _error("--config and --no-config contradict each other: give one")
        return ProjectConfig()
    if args.config is not None:
        if not args.config.exists():
            _error(f"--config {args.config}: no such file")
        return read_config(args.config)
    return find_config(Path.cwd(), args.paths)


def _allowances(args: _Args, project: ProjectConfig) -> tuple[Allowances, bool]:
    """The config file's allowlists with the command line's on top, and whether unused entries fail."""
    tables: dict[str, dict[str, str]] = {}
    given = {"libraries": args.allow_library, "symbols": args.allow_symbol, "checks": args.allow_check}
    for section, (key, flag, _, sep) in ALLOWLISTS.items():
        from_file = parse_entries(project.lines(key), f"{key} in {project.path}", sep=sep)
        tables[section] = {**from_file, **parse_entries(given[section], flag, sep=sep)}
    strict = args.strict_allowlist or project.flag("manylinux_strict_allowlist")
    allow = Allowances(
        libraries=tables["libraries"],
        symbols=tables["symbols"],
        checks=tables["checks"],
        assume_abi3=args.assume_minimum_abi3,
    )
    return allow, strict


def _apply_config(args: _Args, project: ProjectConfig) -> None:
    """Fill what the command line left unset from the config file (paths relative to it)."""
    if args.policy is None:
        args.policy = project.text("manylinux_policy")
    if not args.policy_files:
        args.policy_files = [project.base / p for p in project.lines("manylinux_policy_file")]
    baseline = project.text("manylinux_baseline")
    if args.baseline is None and baseline is not None:
        args.baseline = str(project.base / Path(os.path.expandvars(baseline)).expanduser())
    ratio = project.text("manylinux_baseline_size_ratio")
    if args.size_ratio is None and ratio is not None:
        from ._baseline import parse_size_ratio  # noqa: PLC0415 - only when a ratio is configured

        try:
            args.size_ratio = parse_size_ratio(ratio)
        except ValueError as e:
            raise ConfigError(f"manylinux_baseline_size_ratio in {project.path}: {e}") from None
    for option in LIMIT_OPTIONS:
        text = project.text(option.ini)
        if getattr(args, option.field, None) is None and text is not None:
            try:
                setattr(args, option.field, option.parse(text))
            except ValueError as e:
                raise ConfigError(f"{option.ini} in {project.path}: {e}") from None


def _print(
    output: str,
    doc: DocumentJSON,
    audits: list[Audit],
    baselines: dict[str, BaselineJSON],
    *,
    verbose: bool,
    show: bool = False,
) -> None:
    try:
        if output == "json":
            _say(safe_json(json.dumps(doc, indent=2)))
        elif output == "markdown":
            _say(render_markdown(doc), end="")
        else:
            for result in audits:
                _say(render_facts(result) if show else render_audit(result, verbose=verbose, release=True))
                if result.facts.path in baselines:
                    _say(render_baseline(baselines[result.facts.path]))
            # One last line for the whole run, matching the exit code: a wheel's own PASS
            # line never stands alone when a baseline, an allowlist or another input failed.
            if len(audits) + len(doc["errors"]) > 1 or (audits and not doc["passed"]):
                _say(run_verdict(doc))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader (``| head``) has seen enough; the verdict still decides the exit code.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _wheel_size(path: str) -> int | None:
    """A wheel's file size, for the size ratchet; None for trees and bare ELF files."""
    try:
        return Path(path).stat().st_size if path.endswith(".whl") else None
    except OSError:
        return None


def _baseline_entries(
    args: _Args, policies: PolicySet, store: DirCache | None, limits: Limits
) -> tuple[dict[str, Entry], str]:
    """The baseline's entries and how to name it: a file, or the wheels of an earlier release.

    Read before any wheel is audited, so a missing or broken baseline fails fast.
    """
    from ._baseline import entry_of, newest, read_baseline  # noqa: PLC0415

    spec = str(args.baseline)
    path = Path(spec).expanduser()
    wheels = path.is_dir() or spec.endswith(".whl") or any(c in spec for c in "*?[")
    if wheels and args.update_baseline:
        _error(f"--update-baseline writes a baseline file; {spec!r} names wheels (give a .json path)")
    if not wheels and not args.update_baseline and not path.is_file():
        _error(f"--baseline {spec!r}: no such file (record one with --update-baseline)")
    try:
        if not wheels:
            return (read_baseline(path) if path.exists() else {}), str(path)
        found = expand_wheels([(spec, Path.cwd(), "--baseline")])
        audits = [(w, audit(w, policies=policies, store=store, limits=limits)) for w in found]
    except (ManylinuxError, NoWheelError) as e:
        _error(str(e))
    return newest(entry_of(a, _wheel_size(str(w))) for w, a in audits), spec


def _ratchet(args: _Args, audits: list[Audit], entries: dict[str, Entry], source: str) -> dict[str, BaselineJSON]:
    """Compare each audit with its baseline entry; with --update-baseline, write the file and say what changed."""
    from ._baseline import DEFAULT_SIZE_RATIO, compare, comparison_json, entry_of, update_baseline  # noqa: PLC0415

    ratio = DEFAULT_SIZE_RATIO if args.size_ratio is None else args.size_ratio
    out: dict[str, BaselineJSON] = {}
    current = []
    for result in audits:
        entry = entry_of(result, _wheel_size(result.facts.path))
        current.append(entry)
        comparison = compare(entries.get(entry.key), entry, size_ratio=ratio or None)
        out[result.facts.path] = comparison_json(comparison, result.facts.path, source, updated=args.update_baseline)
    if args.update_baseline:
        try:  # merged into the file as it is now: another run may have written it since it was read
            entries, merged, wrote = update_baseline(Path(source), current)
        except ManylinuxError as e:
            _error(str(e))
        added = sum(e.key not in entries for e in current)
        changed = sum(e.key in entries and entries[e.key] != e for e in current)
        state = "wrote" if wrote else "unchanged"
        counts = f"{added} added, {changed} changed, {len(merged) - added - changed} kept"
        _say(f"pytest-manylinux: baseline {source}: {state} ({counts})", err=True)
    return out


def entrypoint() -> NoReturn:
    """Console-script entry point; Ctrl-C ends it with one line and the shell's code for SIGINT."""
    try:
        code = main(sys.argv[1:])
    except KeyboardInterrupt:
        _say("pytest-manylinux: interrupted", err=True)
        code = 128 + 2
    raise SystemExit(code)


if __name__ == "__main__":
    entrypoint()
