"""Mutated real ELF files and wheels end in facts or one ManylinuxError (issue 5).

Hypothesis mutates the fixtures' bytes: flips and sets bytes, truncates,
writes interesting values into the header fields the reader trusts, splices
one field's value into another, and moves 16-byte chunks around. The property
(``hostile.check_outcome``) is the corpus's: an Audit or a ManylinuxError,
never another exception, within the time bound, with a one-line message
naming the input, and the input left unchanged. Audits are then judged
against an explicit policy and rendered, so odd facts cannot crash the rest.

CI runs a modest, derandomized budget; ``tests/fuzz_long.py`` runs the same
properties, with the same strategies, for as long as asked.
"""

from __future__ import annotations

import collections
import json
from typing import TYPE_CHECKING

import pytest
from hostile import CROSS_DIR, WHEEL_NAME, Mutation, build_seed_wheel, check_outcome, elf_fields, mutate, zip_fields
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_manylinux._audit import default_policies, judge
from pytest_manylinux._errors import ManylinuxError
from pytest_manylinux._model import Audit
from pytest_manylinux._policy import version_key
from pytest_manylinux._render import audit_document, render_audit, render_markdown

POLICIES = default_policies()

if TYPE_CHECKING:
    from pathlib import Path

    from builders import Fixtures
    from hostile import Field
    from hypothesis.strategies import SearchStrategy

#: Fixtures the ELF property mutates: shared objects, executables, 32-bit,
#: with and without GNU property notes, symbol versions from one or two libraries.
ELF_SEEDS = (
    "ext_2_14",
    "ext_libm",
    "ext_isa_v3",
    "ext_stripped",
    "exe_glibc",
    "exe_static",
    "ext_musl",
    "ext_i686",
    # Big-endian, 8-byte DT_HASH words (tests/data/cross).
    "cross:crossmod-s390x-sysv.so",
)
#: Wheels the zip property mutates: one ELF member, or two that link to each other.
WHEEL_SEEDS = ("one-extension", "extension-and-vendored-lib")

#: Executions per property, by name; fuzz_long.py reports them.
EXECUTIONS: collections.Counter[str] = collections.Counter()

# Positions: mostly inside the first KiB (headers and tables), or from the end
# (negative: the central directory), or anywhere; they wrap modulo the length.
_positions = st.integers(0, 1023) | st.integers(-1024, -1) | st.integers(0, 1 << 32)
_ops = st.sampled_from(["flip", "byte", "truncate", "field", "field", "field", "splice", "copy"])
MUTATIONS = st.lists(st.tuples(_ops, _positions, _positions), min_size=1, max_size=6)

ELF_ARGS: dict[str, SearchStrategy[object]] = {"seed": st.sampled_from(ELF_SEEDS), "ops": MUTATIONS}
WHEEL_ARGS: dict[str, SearchStrategy[object]] = {"seed": st.sampled_from(WHEEL_SEEDS), "ops": MUTATIONS}

#: CI budget: deterministic, no example database written into the work tree.
CI = settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


class Seeds:
    """Pristine bytes and their patchable fields, parsed once per seed."""

    def __init__(self, fx: Fixtures, work: Path) -> None:
        self.fx = fx
        self.work = work
        self._cache: dict[str, tuple[str, bytes, list[Field]]] = {}

    def elf(self, seed: str) -> tuple[str, bytes, list[Field]]:
        if seed not in self._cache:
            if seed.startswith("cross:"):
                path = CROSS_DIR / seed.removeprefix("cross:")
            else:
                path = getattr(self.fx, seed) or self.fx.ext_2_14  # ext_i686 needs -m32
            data = path.read_bytes()
            self._cache[seed] = (path.name, data, elf_fields(data))
        return self._cache[seed]

    def wheel(self, seed: str) -> tuple[str, bytes, list[Field]]:
        if seed not in self._cache:
            out = self.work / f"seed-{seed}"
            one = seed == "one-extension"
            path = build_seed_wheel(self.fx, out) if one else _two_member_wheel(self.fx, out)
            data = path.read_bytes()
            self._cache[seed] = (path.name, data, zip_fields(data))
        return self._cache[seed]


def _two_member_wheel(fx: Fixtures, out: Path) -> Path:
    from builders import make_wheel  # noqa: PLC0415 - only this seed needs it

    return make_wheel(
        out,
        name="pkg",
        version="1.0",
        tags=WHEEL_NAME.removesuffix(".whl").split("-", 2)[2],
        files={
            "pkg/_origin.cpython-311-x86_64-linux-gnu.so": fx.ext_origin,
            "pkg.libs/libvendored.so.1": fx.libvendored,
        },
    )


def _hold(path: Path, name: str) -> None:
    """The property, once the mutated bytes are on disk."""
    EXECUTIONS[name] += 1
    result = check_outcome(path)
    EXECUTIONS[f"{name}: {'audited' if isinstance(result, Audit) else 'refused'}"] += 1
    if isinstance(result, Audit):
        judged: Audit | ManylinuxError
        try:
            judged = judge(result.facts, "manylinux2014", policies=POLICIES)
        except ManylinuxError as e:  # e.g. an arch that manylinux2014 has no policy for
            judged = e
        if isinstance(judged, ManylinuxError):
            assert len(str(judged).splitlines()) == 1, str(judged)
        explicit = judged if isinstance(judged, Audit) else result
        render_audit(result, verbose=True)
        render_audit(explicit)
        doc = audit_document([result, explicit], tool="fuzz", policy_data="fuzz")
        json.dumps(doc)
        render_markdown(doc)


def elf_property(seeds: Seeds, seed: str, ops: list[Mutation]) -> None:
    """A mutated ELF file is audited or refused with one ManylinuxError."""
    name, data, fields = seeds.elf(seed)
    path = seeds.work / "elf" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(mutate(data, fields, ops))
    _hold(path, "elf")


def wheel_property(seeds: Seeds, seed: str, ops: list[Mutation]) -> None:
    """A mutated wheel is audited or refused with one ManylinuxError."""
    name, data, fields = seeds.wheel(seed)
    path = seeds.work / "wheel" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(mutate(data, fields, ops))
    _hold(path, "wheel")


@pytest.fixture(scope="module")
def seeds(fx: Fixtures, tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return Seeds(fx, tmp_path_factory.mktemp("fuzz"))


@CI
@given(**ELF_ARGS)
def test_mutated_elf_is_facts_or_one_error(seeds: Seeds, seed: str, ops: list[Mutation]) -> None:
    elf_property(seeds, seed, ops)


@CI
@given(**WHEEL_ARGS)
def test_mutated_wheel_is_facts_or_one_error(seeds: Seeds, seed: str, ops: list[Mutation]) -> None:
    wheel_property(seeds, seed, ops)


def test_mutations_are_deterministic_and_bounded() -> None:
    data = bytes(range(256)) * 4
    fields = elf_fields(data)  # not an ELF file: no fields, byte mutations only
    assert fields == []
    ops: list[Mutation] = [("flip", 3, 0), ("truncate", 100, 0), ("copy", 0, 50), ("field", 1, 2)]
    once = mutate(data, fields, ops)
    assert once == mutate(data, fields, ops)
    assert len(once) == 100
    assert once[3] == data[3] ^ 1
    assert once[50:66] == once[0:16]


# -- version_key: ordered like numbers, without int() (issue 9) ---------------

_numbers = st.lists(st.integers(0, 10**40), min_size=1, max_size=5)
_zeros = st.integers(0, 3)


def _text(parts: list[int], pad: int = 0) -> str:
    return "GLIBC_" + ".".join("0" * pad + str(n) for n in parts)


@settings(max_examples=500, derandomize=True, database=None)
@given(a=_numbers, b=_numbers, pad_a=_zeros, pad_b=_zeros)
def test_version_key_orders_digit_runs_as_numbers(a: list[int], b: list[int], pad_a: int, pad_b: int) -> None:
    """GLIBC_2.2.5 < GLIBC_2.10, and leading zeros do not count: as int() would say."""
    ka, kb = version_key(_text(a, pad_a)), version_key(_text(b, pad_b))
    assert (ka < kb, ka == kb, ka > kb) == (a < b, a == b, a > b)


@settings(max_examples=300, derandomize=True, database=None)
@given(number=st.integers(0, 10**40), word=st.text(st.characters(blacklist_characters="._"), min_size=1))
def test_version_key_puts_numbers_before_names(number: int, word: str) -> None:
    """A non-numeric piece (GLIBC_PRIVATE, CXXABI_TM_1) sorts after any number."""
    if word.isascii() and word.isdigit():
        return
    assert version_key(f"GLIBC_{number}") < version_key(f"GLIBC_{word}")


@settings(max_examples=300, derandomize=True, database=None)
@given(text=st.text())
def test_version_key_takes_any_text(text: str) -> None:
    key = version_key(text)
    assert key == version_key(text)
    sorted([key, version_key("GLIBC_2.17"), version_key("GLIBC_PRIVATE")])


def test_version_key_survives_5000_digits() -> None:
    """int() of 5000 digits raises in CPython >= 3.11; the key never calls it."""
    huge = "GLIBC_2." + "9" * 5000
    assert version_key("GLIBC_2.10") < version_key(huge) < version_key("GLIBC_3.0")
    assert version_key("GLIBC_2." + "0" * 5000 + "5") == version_key("GLIBC_2.5")
    # Where ints give way to length-prefixed text: 18 nines < 1 and 18 zeros.
    assert version_key("GLIBC_2." + "9" * 18) < version_key("GLIBC_2.1" + "0" * 18)
    assert sorted(["GLIBC_2.10", "GLIBC_2.2.5", "GLIBC_PRIVATE", huge], key=version_key) == [
        "GLIBC_2.2.5",
        "GLIBC_2.10",
        huge,
        "GLIBC_PRIVATE",
    ]
