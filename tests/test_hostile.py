"""Hostile and broken inputs end in facts or one ManylinuxError, quickly (issue 5).

Every case of ``hostile.CASES`` goes through :func:`audit` and through the CLI
in-process. Besides the outcome the case promises, each run must keep its
bound on time, leave the input byte-for-byte unchanged, and report errors on
one line that names the input (and the member, for a wheel).
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
import time
from typing import TYPE_CHECKING

import pytest
from hostile import (
    CASES,
    TIME_LIMIT_S,
    Case,
    Expect,
    Sample,
    Unavailable,
    build_seed_wheel,
    check_outcome,
    shown,
    violations,
)

from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import audit
from pytest_manylinux._errors import ManylinuxError
from pytest_manylinux._model import Audit
from pytest_manylinux._wheel import Limits

if TYPE_CHECKING:
    from pathlib import Path

    from builders import Fixtures

ERROR_PREFIX = "pytest-manylinux: error:"


def build(case: Case, fx: Fixtures, tmp_path: Path) -> tuple[Path, Sample]:
    """Write the case's bytes alone in a fresh directory."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    try:
        sample = case.make(fx, scratch)
    except Unavailable as e:
        pytest.skip(str(e))
    where = tmp_path / "input"
    where.mkdir()
    path = where / sample.name
    path.write_bytes(sample.data)
    return path, sample


def test_corpus_is_large_and_covers_both_kinds() -> None:
    assert len(CASES) >= 200
    kinds = {c.kind for c in CASES}
    assert kinds == {"elf", "wheel"}
    assert sum(c.kind == "wheel" for c in CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_audit_outcome(case: Case, fx: Fixtures, tmp_path: Path) -> None:
    path, sample = build(case, fx, tmp_path)
    result = check_outcome(path)  # bounded time, one-line message naming it, input unchanged
    if sample.expect is Expect.ERROR:
        assert isinstance(result, ManylinuxError), f"expected an error, got facts: {result.facts}"
        message = str(result)
        assert sample.match in message
        if sample.member is not None:
            assert shown(sample.member) in message
        return
    assert isinstance(result, Audit), f"expected facts, got: {result}"
    if sample.same_facts_as is not None:
        reference = tmp_path / "reference" / sample.name
        reference.parent.mkdir()
        reference.write_bytes(sample.same_facts_as)
        assert result.facts.elves == audit(reference).facts.elves
    if sample.check is not None:
        assert sample.check in violations(result)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cli_outcome(case: Case, fx: Fixtures, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path, sample = build(case, fx, tmp_path)
    start = time.monotonic()
    code = main([str(path), "--no-cache"])  # read it, whatever a cache remembers
    elapsed = time.monotonic() - start
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(sample.data).digest()
    out, err = capsys.readouterr()
    assert elapsed < TIME_LIMIT_S
    assert "Traceback" not in out + err
    errors = [line for line in err.splitlines() if line.startswith(ERROR_PREFIX)]
    if sample.expect is Expect.ERROR:
        assert code == 2
        assert err.splitlines() == errors
        assert len(errors) == 1
        assert shown(str(path)) in errors[0]
    else:
        assert code in (0, 1)
        assert errors == []


# A few inputs that read members, spill them to temporary files, or fail midway.
_QUIET = (
    "wheel/zip-suffix-not-parsed",
    "wheel/real-8MiB-of-zeros",
    "wheel/inflates-past-declared-size-crc-matches-prefix",
    "wheel/truncated-elf-member",
    "wheel/method-lzma-bad-properties",
    "elf/ext_2_14/truncated-loader-end",
)


QUIET = [c for c in CASES if c.id in _QUIET]


def test_quiet_cases_exist() -> None:
    assert {c.id for c in QUIET} == set(_QUIET)


@pytest.mark.parametrize("case", QUIET, ids=lambda c: c.id)
def test_nothing_written_outside_temp(
    case: Case,
    fx: Fixtures,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path, _ = build(case, fx, tmp_path)
    cwd, tmp, cache = tmp_path / "cwd", tmp_path / "tmp", tmp_path / "cache"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # the CLI's facts cache, default location
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    # Every ELF member spills to a temporary file instead of memory.
    with contextlib.suppress(ManylinuxError):
        audit(path, limits=Limits(in_memory_bytes=0))
    main([str(path)])
    capsys.readouterr()
    assert tempfile.gettempdir() == str(tmp)
    assert list(cwd.iterdir()) == []
    assert list(tmp.iterdir()) == []  # spills are anonymous and gone
    assert list(path.parent.iterdir()) == [path]


def test_spilled_member_gives_the_same_facts(fx: Fixtures, tmp_path: Path) -> None:
    wheel = build_seed_wheel(fx, tmp_path)
    spilled = audit(wheel, limits=Limits(in_memory_bytes=0))
    assert spilled.facts == audit(wheel).facts
