"""Run the fuzz properties of test_fuzz.py for a long stretch (issue 5).

    .venv/bin/python tests/fuzz_long.py --examples 100000

The same properties and the same hypothesis strategies as the CI tests, in
batches with fresh seeds, so one crash ends only its batch (after shrinking)
and the run goes on. A watchdog turns an example that runs past
``--hang-seconds`` into a reported crash instead of a stuck run. Prints the
number of executions per property, the outcomes, and every distinct crash
with its falsifying example; exits 1 if there was any.
"""

# ruff: noqa: T201 - a command-line report prints
from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

sys.path.insert(0, str(Path(__file__).resolve().parent))

import test_fuzz
from builders import compile_fixtures
from hypothesis import HealthCheck, Phase, given, seed, settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from hostile import Mutation
    from hypothesis.strategies import SearchStrategy

    Property = Callable[[test_fuzz.Seeds, str, list[Mutation]], None]


class Hang(Exception):  # noqa: N818 - reported as what it is
    """An example outlived the watchdog."""


def _alarm(_signum: int, _frame: object) -> NoReturn:
    raise Hang


def _where(exc: BaseException) -> str:
    """The innermost frame in our code: how crashes are told apart."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "pytest_manylinux" in f.filename] or frames
    last = ours[-1]
    return f"{Path(last.filename).name}:{last.lineno} ({last.name})"


def run(
    name: str,
    prop: Property,
    args: dict[str, SearchStrategy[object]],
    seeds: test_fuzz.Seeds,
    *,
    examples: int,
    batch: int,
    first_seed: int,
    hang_seconds: int,
    crashes: dict[tuple[str, str], str],
) -> None:
    """Run ``prop`` until it has executed ``examples`` times."""
    start = test_fuzz.EXECUTIONS[name]
    number = 0
    while (done := test_fuzz.EXECUTIONS[name] - start) < examples:
        budget = min(batch, examples - done)

        def guarded(seed: str, ops: list[Mutation]) -> None:
            signal.alarm(hang_seconds)
            try:
                prop(seeds, seed, ops)
            finally:
                signal.alarm(0)

        test = settings(
            max_examples=budget,
            deadline=None,
            database=None,
            derandomize=False,
            phases=[Phase.generate, Phase.shrink],
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )(seed(first_seed + number)(given(**args)(guarded)))
        number += 1
        try:
            test()
        except Exception as e:  # noqa: BLE001 - every crash is reported, then the run goes on
            key = (type(e).__name__, _where(e))
            if key not in crashes:
                notes = "\n".join(getattr(e, "__notes__", []))
                crashes[key] = f"{type(e).__name__}: {e}\n{notes}"
                print(f"[{name}] crash: {key[0]} at {key[1]}", flush=True)
        print(f"[{name}] {test_fuzz.EXECUTIONS[name] - start} executions", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="executions in total, split between properties")
    parser.add_argument("--batch", type=int, default=5_000, help="examples per hypothesis run (one seed each)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the first batch")
    parser.add_argument("--only", choices=("elf", "wheel"), help="run one property")
    parser.add_argument("--hang-seconds", type=int, default=30, help="watchdog per example")
    options = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    properties: list[tuple[str, Property, dict[str, SearchStrategy[object]]]] = [
        ("elf", test_fuzz.elf_property, test_fuzz.ELF_ARGS),
        ("wheel", test_fuzz.wheel_property, test_fuzz.WHEEL_ARGS),
    ]
    if options.only:
        properties = [p for p in properties if p[0] == options.only]
    crashes: dict[tuple[str, str], str] = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="fuzz-long-") as work:
        fx = compile_fixtures(Path(work, "fixtures"))
        seeds = test_fuzz.Seeds(fx, Path(work))
        for name, prop, args in properties:
            run(
                name,
                prop,
                args,
                seeds,
                examples=options.examples // len(properties),
                batch=options.batch,
                first_seed=options.seed,
                hang_seconds=options.hang_seconds,
                crashes=crashes,
            )
    total = sum(test_fuzz.EXECUTIONS[name] for name, _, _ in properties)
    print(f"\n{total} executions in {time.monotonic() - began:.0f} s")
    for key, count in sorted(test_fuzz.EXECUTIONS.items()):
        print(f"  {key}: {count}")
    print(f"{len(crashes)} distinct crash(es)")
    for (kind, where), text in crashes.items():
        print(f"\n--- {kind} at {where}\n{text}")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main())
