"""Hostile and broken inputs end in facts or one ManylinuxError, quickly (issue 5).

Every case of ``hostile.CASES`` goes through :func:`audit` and through the CLI
in-process. Besides the outcome the case promises, each run must keep its
bound on time, leave the input byte-for-byte unchanged, and report errors on
one line that names the input (and the member, for a wheel).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from builders import EXT_SUFFIX, make_wheel
from hostile import (
    CASES,
    DT_RPATH,
    ELF_MEMBER,
    TIME_LIMIT_S,
    WHEEL_NAME,
    WHEEL_TAGS,
    Case,
    ElfMap,
    Expect,
    Sample,
    Unavailable,
    build_seed_wheel,
    check_outcome,
    flood_symbols,
    flood_version_needs,
    repeat_needed,
    search_path,
    shown,
    violations,
)

from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import audit
from pytest_manylinux._errors import ManylinuxError
from pytest_manylinux._model import Audit
from pytest_manylinux._wheel import Limits

if TYPE_CHECKING:
    from collections.abc import Iterable

    from builders import Fixtures
    from hostile import Recipe

    from pytest_manylinux._model import ElfFacts

ERROR_PREFIX = "pytest-manylinux: error:"


def without_warnings(elves: Iterable[ElfFacts]) -> tuple[ElfFacts, ...]:
    return tuple(dataclasses.replace(elf, warnings=()) for elf in elves)


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
        # Facts the loader sees are equal; a warning may say the file was damaged.
        assert without_warnings(result.facts.elves) == without_warnings(audit(reference).facts.elves)
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


# -- work bounded by counts, not only by bytes (issue 9) -----------------------
#
# Each input is a small wheel whose ELF member claims an absurd count. The CLI
# runs in a fresh interpreter, so its peak RSS is measured alone: the child
# of a child is the only process getrusage(RUSAGE_CHILDREN) sees there.

_MEASURE = """
import json, resource, subprocess, sys
p = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
sys.stdout.write(json.dumps([p.returncode, p.stdout, p.stderr, peak]))
"""

#: Peak RSS of the CLI on these inputs; an audit of a small real wheel peaks near 30 MiB.
RSS_LIMIT_MIB = 160


@dataclasses.dataclass(frozen=True)
class Measured:
    code: int
    stdout: str
    stderr: str
    peak_mib: float


def run_measured(path: Path) -> Measured:
    """The CLI on ``path`` in a subprocess: exit code, output and peak RSS."""
    return run_measured_args([str(path)])


def run_measured_args(args: list[str]) -> Measured:
    cmd = [sys.executable, "-c", _MEASURE, sys.executable, "-m", "pytest_manylinux", *args, "--no-cache"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    code, stdout, stderr, peak_kib = json.loads(out)
    return Measured(code, stdout, stderr, peak_kib / 1024)


def wheel_of(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / WHEEL_NAME
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def tiny_elf(fx: Fixtures) -> bytes:
    """A real ELF header with no program or section headers: nothing to load, still an ELF file."""
    head = bytearray(fx.ext_2_14.read_bytes()[:64])
    head[0x20:0x30] = bytes(16)  # e_phoff, e_shoff
    head[0x38:0x40] = bytes(8)  # e_phnum, e_shentsize, e_shnum, e_shstrndx
    return bytes(head)


def _flooded(recipe: Recipe) -> Members:
    return lambda fx: {ELF_MEMBER: recipe(ElfMap(fx.ext_2_14.read_bytes()))}


Members = Callable[["Fixtures"], dict[str, bytes]]

_REFUSED: dict[str, tuple[Members, str]] = {
    "dt_needed-65000-times": (_flooded(repeat_needed(65000)), "65000 DT_NEEDED entries, over the limit of 1000"),
    "version-needs-65535": (_flooded(flood_version_needs(0xFFFF)), "more than 10000 version-need entries"),
    "symbols-claimed-1000001": (_flooded(flood_symbols(1_000_001, distinct=False)), "claims 1000001 symbols"),
    "undefined-distinct-100001": (_flooded(flood_symbols(100_002, distinct=True)), "more than 100000 distinct"),
    "elf-members-10001": (
        lambda fx: {f"pkg/m{i}.so": tiny_elf(fx) for i in range(10_001)},
        "more than 10000 ELF files, over the limit",
    ),
}


@pytest.mark.parametrize("label", sorted(_REFUSED))
def test_absurd_counts_are_refused_in_bounded_memory(label: str, fx: Fixtures, tmp_path: Path) -> None:
    members, problem = _REFUSED[label]
    path = wheel_of(tmp_path, members(fx))
    assert path.stat().st_size < 5 << 20  # small inputs: the work is in the counts
    run = run_measured(path)
    assert run.code == 2, run.stderr
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert run.stderr.startswith(f"{ERROR_PREFIX} {shown(str(path))}: ")
    assert problem in run.stderr
    assert run.peak_mib < RSS_LIMIT_MIB


_WITHIN: dict[str, Members] = {
    "undefined-distinct-100000": _flooded(flood_symbols(100_001, distinct=True)),
    "symbols-999999-one-name": _flooded(flood_symbols(1_000_000, distinct=False)),
    "version-needs-9999": _flooded(flood_version_needs(9_998)),
    "dt_needed-1000-times": _flooded(repeat_needed(1000)),
    "elf-members-10000": lambda fx: {f"pkg/m{i}.so": tiny_elf(fx) for i in range(10_000)},
}


@pytest.mark.parametrize("label", sorted(_WITHIN))
def test_worst_cases_within_the_limits_stay_bounded(label: str, fx: Fixtures, tmp_path: Path) -> None:
    run = run_measured(wheel_of(tmp_path, _WITHIN[label](fx)))
    assert run.code in (0, 1), run.stderr
    assert run.peak_mib < RSS_LIMIT_MIB


def test_work_budget_spans_the_members_of_one_wheel(fx: Fixtures, tmp_path: Path) -> None:
    """Five members of 999,999 symbols each pass one by one, not together (4,000,000 units)."""
    member = _flooded(flood_symbols(1_000_000, distinct=False))(fx)[ELF_MEMBER]
    path = wheel_of(tmp_path, {f"pkg/m{i}.so": member for i in range(5)})
    run = run_measured(path)
    assert run.code == 2
    assert "over the limit of 4000000" in run.stderr


# -- hostile policy files (issue 9) --------------------------------------------

_POLICY_JSON = Path(__file__).resolve().parents[1] / "pytest_manylinux" / "policies" / "manylinux-policy.json"
_DIGITS_5000 = "9" * 5000


def _policy_data(edit: Callable[[list[dict[str, Any]]], object]) -> str:
    data: list[dict[str, Any]] = json.loads(_POLICY_JSON.read_text())
    edit(data)
    return json.dumps(data)


def _set(index: int, key: str, value: object = None) -> Callable[[list[dict[str, Any]]], object]:
    return lambda data: data[index].__setitem__(key, value)


_BAD_POLICY_FILES: dict[str, tuple[Callable[[], str], str]] = {
    "nested-100000-deep": (lambda: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    "nested-in-a-policy": (lambda: _policy_data(_set(1, "aliases", [[[["x"]]]])), "'aliases' must be a list"),
    "integer-of-5000-digits": (lambda: '[{"priority": ' + _DIGITS_5000 + "}]", "not valid JSON"),
    "name-is-a-list": (lambda: _policy_data(_set(1, "name", ["manylinux_2_5"])), "'name' must be a string"),
    "name-with-5000-digits": (lambda: _policy_data(_set(1, "name", f"manylinux_{_DIGITS_5000}_1")), "too long"),
    "alias-with-5000-digits": (lambda: _policy_data(_set(1, "aliases", [f"manylinux{_DIGITS_5000}"])), "too long"),
    "arch-versions-not-a-map": (lambda: _policy_data(_set(1, "symbol_versions", {"x86_64": ["x"]})), "versions"),
    "priority-is-a-bool": (lambda: _policy_data(_set(1, "priority", value=True)), "'priority' must be an integer"),
    "name-with-newline": (lambda: _policy_data(_set(1, "name", f"a\nmanylinux_{_DIGITS_5000}")), "'a\\nmanylinux_"),
}


@pytest.mark.parametrize("label", sorted(_BAD_POLICY_FILES))
def test_hostile_policy_file_is_one_line(
    label: str, fx: Fixtures, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, problem = _BAD_POLICY_FILES[label]
    policy = tmp_path / "policy\nfile.json"  # a hostile file name, too
    policy.write_text(text())
    with pytest.raises(SystemExit) as exited:  # a usage error: argparse's way out
        main([str(fx.ext_2_14), "--policy-file", str(policy), "--no-cache"])
    code = exited.value.code
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert err.startswith(ERROR_PREFIX)
    assert problem in err


def test_policy_with_a_5000_digit_version_still_audits(fx: Fixtures, tmp_path: Path) -> None:
    """Versions are compared without int(): a 5000-digit one is just the newest."""

    def huge(data: list[dict[str, Any]]) -> None:
        for entry in data:
            for prefixes in entry["symbol_versions"].values():
                prefixes.get("GLIBC", []).append(f"2.{_DIGITS_5000}")

    policy = tmp_path / "policy.json"
    policy.write_text(_policy_data(huge))
    run = run_measured_args([str(fx.ext_2_99), "--policy-file", str(policy), "--policy", "manylinux_2_17"])
    assert run.code == 1, run.stderr
    assert "Traceback" not in run.stderr


# -- work and output bounded whatever the input (issue 19) ----------------------

#: What one verdict may print, whatever the wheel holds; real wheels print a few hundred bytes.
OUTPUT_LIMIT = 8 << 10


def _rpath_wheel(fx: Fixtures, tmp_path: Path, value: bytes) -> Path:
    member = f"pkg/ext_old_rpath{EXT_SUFFIX}"
    data = search_path(DT_RPATH, value)(ElfMap(fx.ext_old_rpath.read_bytes()))
    return make_wheel(tmp_path, name="pkg", version="1.0", tags=WHEEL_TAGS, files={member: data})


def test_a_million_empty_rpath_entries_are_one_entry_to_the_loader(fx: Fixtures, tmp_path: Path) -> None:
    """ld.so keeps each directory once: the 2.2 KB wheel fails rpath on one entry (took 54 s and 1 GiB)."""
    path = _rpath_wheel(fx, tmp_path, b":" * 1_000_000)
    assert path.stat().st_size < 8 << 10
    run = run_measured(path)
    assert run.code == 1, run.stderr
    assert run.stdout.count("(empty)") >= 1
    assert "more" not in run.stdout  # one entry, not "... and 999981 more"
    assert len(run.stdout) < OUTPUT_LIMIT
    assert run.peak_mib < RSS_LIMIT_MIB
    assert audit(path).facts.elves[0].rpath == ("",)


def test_distinct_rpath_entries_past_the_limit_are_one_line(fx: Fixtures, tmp_path: Path) -> None:
    path = _rpath_wheel(fx, tmp_path, b":".join(b"/d%d" % i for i in range(1001)))
    run = run_measured(path)
    assert run.code == 2
    assert len(run.stderr.splitlines()) == 1
    assert "1001 distinct DT_RPATH entries, over the limit of 1000" in run.stderr
    assert run_measured_args([str(path), "--max-search-paths", "1001"]).code == 1


def _tags_wheel(tmp_path: Path, count: int) -> Path:
    tags = [f"cp311-cp311-manylinux_2_17_x{i}" for i in range(count)]
    return make_wheel(
        tmp_path, name="pkg", version="1.0", tags=WHEEL_TAGS, files={"pkg/__init__.py": b""}, wheel_tags=tags
    )


def test_400000_wheel_tag_lines_are_one_line(tmp_path: Path) -> None:
    """They printed a 9 MB line; now an input limit, like every other count."""
    run = run_measured(_tags_wheel(tmp_path, 400_000))
    assert run.code == 2
    assert run.stdout == ""
    assert len(run.stderr.splitlines()) == 1
    assert "WHEEL: Tag lines declare more than 1000 tags, over the limit" in run.stderr


def test_a_compressed_tag_line_is_counted_not_expanded(tmp_path: Path) -> None:
    """One line of 300 x 300 x 300 tags: parse_tag built the 27 M-tag cross product."""
    part = ".".join(f"x{i}" for i in range(300))
    run = run_measured(
        make_wheel(tmp_path, name="pkg", version="1.0", tags=WHEEL_TAGS, files={}, wheel_tags=[f"{part}-{part}-{part}"])
    )
    assert run.code == 2
    assert "more than 1000 tags" in run.stderr


def test_1000_wheel_platforms_are_capped_in_the_report(tmp_path: Path) -> None:
    run = run_measured(_tags_wheel(tmp_path, 1000))
    assert run.code == 1, run.stderr
    assert "(+980 more)" in run.stdout
    assert len(run.stdout) < OUTPUT_LIMIT  # was 20 KB


def test_200000_tiny_members_keep_every_crc_and_record_check(tmp_path: Path) -> None:
    """The small-member path still checks each member: one changed byte fails RECORD."""
    files = {f"pkg/m{i}.py": b"x = %d\n" % i for i in range(199_990)}
    path = make_wheel(tmp_path, name="pkg", version="1.0", tags=WHEEL_TAGS, files=files)
    result = audit(path)
    assert result.facts.record_verified
    assert result.facts.record_problems == ()
    tampered = make_wheel(
        tmp_path / "tampered", name="pkg", version="1.0", tags=WHEEL_TAGS, files={**files, "pkg/m7.py": b"x = 8\n"}
    )
    record = zipfile.ZipFile(path).read("pkg-1.0.dist-info/RECORD")
    rebuilt = tmp_path / "rebuilt" / tampered.name
    rebuilt.parent.mkdir()
    with zipfile.ZipFile(tampered) as src, zipfile.ZipFile(rebuilt, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, record if info.filename.endswith("RECORD") else src.read(info))
    problems = audit(rebuilt).facts.record_problems
    assert [p.subject for p in problems] == ["pkg/m7.py"]
