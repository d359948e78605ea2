"""Upload pre-flight (issue 11): what PyPI refuses fails here first, one line naming the member.

The malformed wheels come from a good real wheel (``tests/malformed.py``), and
each verdict is cross-checked against readers we did not write: Python's
``zipfile`` (pip's zip reader) and ``pip install`` itself.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from typing import TYPE_CHECKING

import pytest
from builders import record_hash
from malformed import CASES, Case, read_entries, write_zip
from pypi_cache import CORPUS, PinnedWheel, WheelUnavailable, fetch

from pytest_manylinux.__main__ import main
from pytest_manylinux._audit import audit
from pytest_manylinux._checks import PYPI_FILE_LIMIT, PYPI_REFUSES, REGISTRY, WHEEL_CHECKS, Allowances
from pytest_manylinux._elf import section_sizes
from pytest_manylinux._errors import InvalidWheelError, UnknownPolicyError
from pytest_manylinux._model import Audit, Check, Violation
from pytest_manylinux._policy import PROVISIONAL_MINORS, load_policies
from pytest_manylinux._wheel import Limits

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"

UPLOAD_CHECKS = (Check.ARCHIVE, Check.RECORD, Check.WHEEL_METADATA, Check.UPLOAD)

#: A small, clean wheel built by setuptools: one extension module, Python files, expanded tags.
GOOD = "MarkupSafe-2.1.5-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"

#: Corpus wheels with a real upload defect, and the one line each must fail with.
DEFECTIVE = {
    # maturin < 1.9.4 wrote compressed Tag lines (pip issue 13709).
    "orjson-3.10.7-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": [
        (Check.WHEEL_METADATA, "Tag: cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"),
    ],
}


def _fetch(name: str) -> Path:
    pinned = next(w for w in CORPUS if w.filename == name)
    try:
        return fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)


def _upload_violations(result: Audit) -> list[Violation]:
    found: list[Violation] = []
    for verdict in result.verdicts:
        found.extend(v for v in verdict.violations if v.check in UPLOAD_CHECKS and v not in found)
    return found


def test_upload_checks_are_registered_with_remedies() -> None:
    for check in UPLOAD_CHECKS:
        definition = REGISTRY[check]
        assert definition in WHEEL_CHECKS
        assert definition.wheel_rule is not None
        assert definition.remedy


@pytest.fixture(scope="module")
def good_wheel() -> Path:
    return _fetch(GOOD)


@pytest.mark.pypi
def test_the_writer_alone_breaks_nothing(good_wheel: Path, tmp_path: Path) -> None:
    """Rewritten by our zip writer without a defect, the wheel passes: each finding below is the defect's."""
    path = tmp_path / good_wheel.name
    path.write_bytes(write_zip(read_entries(good_wheel)))
    assert _upload_violations(audit(path)) == []
    assert _upload_violations(audit(good_wheel)) == []


def _make(case: Case, good_wheel: Path, tmp_path: Path) -> tuple[Path, str]:
    data, subject = case.make(read_entries(good_wheel))
    path = tmp_path / good_wheel.name
    path.write_bytes(data)
    return path, subject


@pytest.mark.pypi
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_defect_fails_one_line_naming_the_member(case: Case, good_wheel: Path, tmp_path: Path) -> None:
    path, subject = _make(case, good_wheel, tmp_path)
    if case.zipfile == "refuses":
        # zipfile refuses to read the member, so the audit stops there: one line naming it.
        with pytest.raises(InvalidWheelError) as info:
            audit(path)
        assert str(info.value).count("\n") == 0
        assert subject in str(info.value)
        return
    found = [v for v in _upload_violations(audit(path)) if v.check is case.check and v.subject == subject]
    assert len(found) == 1, _upload_violations(audit(path))
    assert case.problem in found[0].hint
    assert found[0].hint.endswith(PYPI_REFUSES) == case.pypi
    assert case.says in found[0].hint  # what PyPI does instead, as warehouse's code does it
    others = [v for v in _upload_violations(audit(path)) if v.check is not case.check]
    assert others == [], "the defect is reported by its own check only"


@pytest.mark.pypi
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_zipfile_agrees(case: Case, good_wheel: Path, tmp_path: Path) -> None:
    """Where Python's zipfile detects a defect (reading every member), we do; where it does not, we still do."""
    path, _ = _make(case, good_wheel, tmp_path)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                zf.read(info)
        verdict = "accepts"
    except zipfile.BadZipFile:
        verdict = "refuses"
    assert verdict == case.zipfile


@pytest.mark.pypi
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_pip_install_agrees(case: Case, good_wheel: Path, tmp_path: Path) -> None:
    """pip refuses what it detects; everything else it installs, which is why we check first."""
    path, _ = _make(case, good_wheel, tmp_path)
    target = tmp_path / "target"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-cache-dir", "--quiet"]
    run = subprocess.run(
        [*pip, "--disable-pip-version-check", "--target", str(target), str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert ("refuses" if run.returncode else "accepts") == case.pip, run.stderr[-2000:]


@pytest.mark.pypi
@pytest.mark.parametrize("key", ["record", "record:{subject}"], ids=["whole-check", "one-subject"])
def test_allowlisted_with_a_reason(good_wheel: Path, tmp_path: Path, key: str) -> None:
    """Like the other checks, an upload check is accepted with a reason: the whole check, or one subject."""
    case = next(c for c in CASES if c.id == "record-member-unlisted")
    path, subject = _make(case, good_wheel, tmp_path)
    assert not audit(path).passed
    result = audit(path, allow=Allowances(checks={key.format(subject=subject): "vendored, verified by our CI"}))
    assert [v.allowed_by for v in _upload_violations(result)] == ["vendored, verified by our CI"]
    assert result.passed


@pytest.mark.pypi
@pytest.mark.parametrize("pinned", CORPUS, ids=[w.filename for w in CORPUS])
def test_pypi_corpus_passes_the_upload_checks(pinned: PinnedWheel) -> None:
    """Every PyPI wheel of the corpus passes, except those with a real defect, which fail exactly with it."""
    try:
        path = fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)
    found = [(v.check, v.subject) for v in _upload_violations(audit(path))]
    assert found == DEFECTIVE.get(pinned.filename, [])


# -- PEP 600 tags newer than the policy data (item 4) ---------------------------------------------


def test_a_newer_pep600_tag_is_judged_provisionally(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    """manylinux_2_42 is a valid PEP 600 tag for distros newer than the data: judged, and said to be provisional."""
    newest = max(int(p.name.rsplit("_", 1)[1]) for p in load_policies() if p.name.startswith("manylinux_2_"))
    tag = f"manylinux_2_{newest + 1}_x86_64"
    result = audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, tags=f"cp311-cp311-{tag}"))
    assert [v.policy for v in result.verdicts] == [tag]
    assert result.passed
    assert not [v for v in result.tags if "policy data knows" in v.hint]
    assert any(note.startswith(f"{tag}: provisional") for note in result.notes), result.notes
    explicit = audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), f"manylinux_2_{newest + 2}")
    assert explicit.passed
    assert any("provisional" in note for note in explicit.notes)


def test_an_implausible_pep600_name_stays_a_usage_error() -> None:
    newest = max(int(p.name.rsplit("_", 1)[1]) for p in load_policies() if p.name.startswith("manylinux_2_"))
    policies = load_policies()
    policies.validate(f"manylinux_2_{newest + PROVISIONAL_MINORS}")
    with pytest.raises(UnknownPolicyError, match="not in the policy data"):
        policies.validate(f"manylinux_2_{newest + PROVISIONAL_MINORS + 1}")
    with pytest.raises(UnknownPolicyError):
        policies.validate("manylinux_2_99")


# -- the size budget (item 5) --------------------------------------------------------------------


def test_section_sizes_agree_with_pyelftools(fx: Fixtures) -> None:
    """The attribution reader against an implementation we did not write."""
    from elftools.elf.elffile import ELFFile  # noqa: PLC0415 - the oracle

    for path in (fx.ext_2_17, fx.ext_unallowed):
        with path.open("rb") as f:
            size, symtab, debug = section_sizes(f)
            f.seek(0)
            sections = [(s.name, s["sh_size"]) for s in ELFFile(f).iter_sections() if s["sh_type"] != "SHT_NOBITS"]
        assert size == path.stat().st_size
        assert symtab == sum(n for name, n in sections if name in (".symtab", ".strtab"))
        assert symtab > 0
        assert debug == sum(n for name, n in sections if name.startswith((".debug_", ".zdebug_")))


def test_over_budget_fails_with_attribution(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    assert audit(path, limits=Limits(max_wheel_bytes=path.stat().st_size)).passed
    result = audit(path, limits=Limits(max_wheel_bytes=1024))
    found = [v for v in result.verdicts[0].violations if v.check is Check.SIZE]
    assert [v.subject for v in found] == ["(wheel file)", f"pkg/ext_2_17{SO}"]
    assert "over the 0.0 MiB budget; PyPI's default limit is 100.0 MiB" in found[0].hint
    assert ".symtab/.strtab" in found[1].hint
    assert "code and data" in found[1].hint
    assert not result.passed
    allowed = audit(path, limits=Limits(max_wheel_bytes=1024), allow=Allowances(checks={"size": "granted 200M"}))
    assert allowed.passed


def test_a_generated_wheel_over_pypis_limit(fx: Fixtures, tmp_path: Path) -> None:
    """Over PyPI's 100 MiB, generated on the fly (stored, so not a zip bomb), never committed."""
    path = tmp_path / "big-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
    so = fx.ext_2_17.read_bytes()
    blob = bytes(PYPI_FILE_LIMIT + 1)
    dist = "big-1.0.dist-info"
    files = {
        f"big/_x{SO}": so,
        "big/blob.bin": blob,
        f"{dist}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\n",
        f"{dist}/METADATA": b"Metadata-Version: 2.1\nName: big\nVersion: 1.0\n",
    }
    record = "".join(f"{n},{record_hash(d)},{len(d)}\n" for n, d in files.items()) + f"{dist}/RECORD,,\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, data in {**files, f"{dist}/RECORD": record.encode()}.items():
            zf.writestr(name, data)
    result = audit(path, limits=Limits(max_wheel_bytes=PYPI_FILE_LIMIT))
    found = [v for v in result.verdicts[0].violations if v.check is Check.SIZE]
    assert found[0].hint.startswith("100.0 MiB, over the 100.0 MiB budget (PyPI's default limit)")
    assert [v.check for v in result.verdicts[0].violations] == [Check.SIZE] * len(found)


def test_the_budget_is_an_option_of_the_cli_and_the_plugin(
    fx: Fixtures, wheel: Callable[..., Path], pytester: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    assert main([str(path), "--no-cache", "--max-wheel-size", "1K"]) == 1
    assert "(wheel file)" in capsys.readouterr().out
    assert main([str(path), "--no-cache", "--max-wheel-size", "100M"]) == 0
    pytester.makeini("[pytest]\nmanylinux_max_wheel_size = 100M\n")
    gate = ["-p", "no:cacheprovider", "--manylinux-policy=auto", f"--manylinux-wheel={path}"]
    result = pytester.runpytest(*gate, "-k", "size")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest(*gate, "--manylinux-max-wheel-size=1K", "-k", "size")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*(wheel file)*over the 0.0 MiB budget*"])


# -- WHEEL fields, one rule each -------------------------------------------------------------------

_WHEEL = "Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\n"


@pytest.mark.parametrize(
    ("text", "subject", "problem"),
    [
        (_WHEEL.replace("Wheel-Version: 1.0\n", ""), "Wheel-Version", "missing from WHEEL"),
        (_WHEEL.replace("1.0", "2.0"), "Wheel-Version: 2.0", "installers refuse"),
        (_WHEEL.replace("1.0", "one"), "Wheel-Version: one", "not a major.minor"),
        (_WHEEL.replace("false", "maybe"), "Root-Is-Purelib: maybe", "neither"),
        (_WHEEL + "not a field\n", "not a field", "not 'Key: Value'"),
        (_WHEEL + "Tag: cp311-abi3-manylinux_2_17_x86_64\n", "cp311-abi3-manylinux_2_17_x86_64", "not in the file"),
        (_WHEEL.replace("cp311-cp311", "cp311"), "Tag: cp311-manylinux_2_17_x86_64", "python-abi-platform"),
    ],
    ids=["no-version", "version-2", "bad-version", "purelib-maybe", "bad-line", "extra-tag", "short-tag"],
)
def test_wheel_fields(fx: Fixtures, wheel: Callable[..., Path], text: str, subject: str, problem: str) -> None:
    path = wheel(
        {f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg-1.0.dist-info/WHEEL": text.encode()},
        tags="cp311-cp311-manylinux_2_17_x86_64",
    )
    found = [v for v in _upload_violations(audit(path)) if v.check is Check.WHEEL_METADATA]
    assert [v.subject for v in found] == [subject]
    assert problem in found[0].hint


def test_an_extension_module_in_a_purelib_wheel(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    """Root-Is-Purelib: true puts the extension in purelib; shared libraries alone (nvidia-*) still pass."""
    text = _WHEEL.replace("false", "true").encode()
    path = wheel(
        {f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg-1.0.dist-info/WHEEL": text}, tags="cp311-cp311-manylinux_2_17_x86_64"
    )
    found = [v for v in _upload_violations(audit(path)) if v.check is Check.WHEEL_METADATA]
    assert [v.subject for v in found] == [f"pkg/ext_2_17{SO}"]
    assert "extension module in a Root-Is-Purelib: true wheel" in found[0].hint


@pytest.mark.pypi
def test_the_ini_file_and_markers_allowlist_upload_checks(
    good_wheel: Path, tmp_path: Path, pytester: pytest.Pytester
) -> None:
    """``manylinux_allow_checks`` and ``allow_checks=`` reach the gate and the markers, reason shown."""
    case = next(c for c in CASES if c.id == "record-member-unlisted")
    made, subject = _make(case, good_wheel, tmp_path)
    path = pytester.path / made.name  # inside the rootdir, so the ini file applies
    path.write_bytes(made.read_bytes())
    gate = ["--manylinux-policy=auto", path.name, "-rx"]
    assert pytester.runpytest(*gate).parseoutcomes()["failed"] == 1
    pytester.makeini(f"[pytest]\nmanylinux_allow_checks =\n    record:{subject}: generated at install time\n")
    allowed = pytester.runpytest(*gate)
    assert allowed.ret == pytest.ExitCode.OK
    allowed.stdout.fnmatch_lines(["XFAIL *::record - allowed: generated at install time"])
    pytester.makeini("[pytest]\n")
    pytester.makepyfile(
        f"import pytest\n\n@pytest.mark.manylinux('auto', wheel={path.name!r}, "
        f"allow_checks=['record: our installer writes it'])\ndef test_ok(): pass\n"
    )
    pytester.runpytest("test_the_ini_file_and_markers_allowlist_upload_checks.py").assert_outcomes(passed=1)


# -- what PyPI's upload reads besides the zip and WHEEL (issue 19) ---------------------------------


def _upload_lines(path: Path, allow: Allowances | None = None) -> list[Violation]:
    result = audit(path, allow=allow or Allowances())
    return [v for v in _upload_violations(result) if v.check is Check.UPLOAD]


@pytest.mark.parametrize(
    ("platform", "refused"),
    [
        ("manylinux_2_38_loongarch64", "not loongarch64"),
        ("musllinux_1_2_ppc64", "not ppc64"),
        ("manylinux2014_riscv64", "not riscv64"),
        ("manylinux2010_aarch64", "not aarch64"),
        ("manylinux_2_17_x86_64", None),
        ("manylinux2014_x86_64", None),
        ("manylinux_2_17_ppc64", None),
        ("musllinux_1_2_riscv64", None),
    ],
)
def test_platform_tags_outside_pypis_table(
    fx: Fixtures, wheel: Callable[..., Path], platform: str, refused: str | None
) -> None:
    """warehouse's table (``_allowed_platforms``, ``_manylinux_arches``, ``_musllinux_arches``), tag by tag."""
    found = _upload_lines(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}, tags=f"cp311-cp311-{platform}"))
    if refused is None:
        assert found == []
        return
    assert [v.subject for v in found] == [platform]
    assert refused in found[0].hint
    assert found[0].hint.endswith(PYPI_REFUSES)
    assert found[0].remedy


@pytest.mark.parametrize(
    ("text", "subject", "problem"),
    [
        (b"[console_scripts]\n../pkg = pkg:main\n", "[console_scripts] ../pkg", "not [\\w.-]+"),
        (b"[gui_scripts]\nmy tool = pkg:main\n", "[gui_scripts] my tool", "not [\\w.-]+"),
        (b"[console_scripts]\npkg:main\n", "entry_points.txt", "not a valid INI file"),
        (b"pkg = pkg:main\n", "entry_points.txt", "not a valid INI file"),
        (b"[console_scripts]\npkg = a:b\npkg = a:c\n", "entry_points.txt", "not a valid INI file"),
        (b"[console_scripts]\n\xff = pkg:main\n", "entry_points.txt", "not UTF-8"),
        (b"[console_scripts]\npkg-cli.v2_x = pkg:main\n[pytest11]\n../any = pkg.plugin\n", None, None),
    ],
    ids=["relative-path", "space", "no-equals", "no-section", "duplicate", "not-utf8", "valid"],
)
def test_entry_point_names_as_warehouse_parses_them(
    fx: Fixtures, wheel: Callable[..., Path], text: bytes, subject: str | None, problem: str | None
) -> None:
    """Only console_scripts and gui_scripts names are judged, after an INI parse (warehouse PR 20081)."""
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg-1.0.dist-info/entry_points.txt": text})
    found = _upload_lines(path)
    if subject is None:
        assert found == []
        return
    assert [v.subject for v in found] == [subject]
    assert problem is not None
    assert problem in found[0].hint
    assert found[0].hint.endswith(PYPI_REFUSES)


_METADATA = "Metadata-Version: {form}\nName: {name}\nVersion: {version}\n"


@pytest.mark.parametrize(
    ("metadata", "files", "subjects"),
    [
        (
            _METADATA.format(form="2.4", name="pkg", version="1.0") + "License-File: LICENSE\n",
            {},
            ["License-File: LICENSE"],
        ),
        (
            _METADATA.format(form="2.4", name="pkg", version="1.0") + "License-File: LICENSE\n",
            {"pkg-1.0.dist-info/licenses/LICENSE": b"MIT"},
            [],
        ),
        # setuptools before PEP 639 kept License-File files at the .dist-info root.
        (_METADATA.format(form="2.1", name="pkg", version="1.0") + "License-File: LICENSE\n", {}, []),
        (_METADATA.format(form="2.1", name="other", version="1.0"), {}, ["Name: other"]),
        (_METADATA.format(form="2.1", name="Pkg", version="1.0"), {}, []),
        (_METADATA.format(form="2.1", name="pkg", version="1.1"), {}, ["Version: 1.1"]),
        (_METADATA.format(form="2.1", name="pkg", version="1.0.0"), {}, []),
        (_METADATA.format(form="2.1", name="pkg", version="1.0+local"), {}, ["Version: 1.0+local"] * 2),
        (_METADATA.format(form="2.1", name="pkg", version="one"), {}, ["Version: one"]),
        ("Metadata-Version: 2.1\nName: pkg\n", {}, ["Version"]),
    ],
    ids=[
        "license-absent",
        "license-present",
        "license-legacy",
        "other-name",
        "name-case",
        "other-version",
        "equal-version",
        "local-version",
        "bad-version",
        "no-version",
    ],
)
def test_metadata_against_the_file_name_and_members(
    fx: Fixtures, wheel: Callable[..., Path], metadata: str, files: dict[str, bytes], subjects: list[str]
) -> None:
    """Name and Version as warehouse compares them (canonical name, PEP 440 equality); PEP 639 licence files."""
    members = {f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg-1.0.dist-info/METADATA": metadata.encode(), **files}
    found = _upload_lines(wheel(members))
    assert [v.subject for v in found] == subjects
    assert all(v.hint.endswith(PYPI_REFUSES) and v.remedy for v in found)


def test_an_upload_rule_is_allowlisted_like_the_others(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    text = b"[console_scripts]\n../pkg = pkg:main\n"
    path = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg-1.0.dist-info/entry_points.txt": text})
    assert not audit(path).passed
    allow = Allowances(checks={"upload:[console_scripts] ../pkg": "internal index only"})
    assert [v.allowed_by for v in _upload_lines(path, allow)] == ["internal index only"]
    assert audit(path, allow=allow).passed
