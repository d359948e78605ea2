"""A wheel cannot run CI workflow commands through our output (#19).

GitHub's runner reads every line a job writes: ``##[name]data`` anywhere in a
line and ``::name::data`` at its start (after whitespace) are commands
(actions/runner, src/Runner.Common/ActionCommand.cs: ``TryParse`` and
``TryParseV2``). ``##[stop-commands]`` would hide our own ``::error``
annotations, ``::add-mask::`` would mask words of the log. A real wheel
carries them, with ANSI/OSC escapes and bidi controls, in every string it
controls: member names, a DT_NEEDED soname, an RPATH, a symbol and WHEEL
``Tag:`` lines. Every output, CLI and pytest, is then read line by line.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import TYPE_CHECKING

import pytest
from builders import EXT_SUFFIX, expand_tags, hostile_strings_ext
from conftest import TAG_2_17

from pytest_manylinux.__main__ import main
from pytest_manylinux._errors import node_name

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from pathlib import Path

    from builders import Fixtures

V1, V2 = "##[stop-commands]x", "::add-mask::y"
ESC, OSC, BIDI = "\x1b[31m", "\x1b]8;;", "\u202e"
MEMBER = f"{V2}/{V1}{BIDI}{EXT_SUFFIX}"
PLAIN_MEMBER = f"pkg/ext_2_17{EXT_SUFFIX}"


def _fill(text: str) -> str:
    """``text`` as hostile_strings_ext writes it: padded with ``x`` to its 48-byte placeholder."""
    return text + "x" * (48 - len(text.encode()))


SYMBOL = _fill(f"{V1}{ESC}{BIDI}")
SONAME = _fill(f"{V2}{OSC}http://e.example/\x07{BIDI}.so")
RPATH = _fill(f"/{V1}{ESC}{BIDI}")
TAGS = [f"cp311-cp311-{V1}", V2, f"cp311-cp311-linux_{ESC}{BIDI}"]

#: What no line may hold raw: C0 (but tab) and C1 controls, ESC among them, and bidi controls.
RAW = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")
#: Our own annotations: properties and message escaped (no ``:`` or ``,`` in a property).
ANNOTATION = re.compile(r"::error (?:file=[^:,]*,)?title=[^:,]*::(?P<message>.*)")


def problems(where: str, text: str) -> list[str]:
    """Every line of ``text`` that a CI runner would read as a command, or that carries a raw control."""
    found = []
    for n, line in enumerate(text.split("\n"), 1):
        if "##[" in line:
            found.append(f"{where}:{n}: ##[ in {line!r}")
        if RAW.search(line):
            found.append(f"{where}:{n}: raw control or bidi character in {line!r}")
        if line.lstrip().startswith("::") and not ANNOTATION.fullmatch(line):
            found.append(f"{where}:{n}: a line starting with :: that is not our annotation: {line!r}")
    return found


def annotation_lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.startswith("::")]


@pytest.fixture
def hostile(fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path) -> Path:
    ext = hostile_strings_ext(tmp_path / "elf", symbol=SYMBOL.encode(), soname=SONAME.encode(), rpath=RPATH.encode())
    return wheel({MEMBER: ext, PLAIN_MEMBER: fx.ext_2_17}, wheel_tags=[*expand_tags(TAG_2_17), *TAGS])


def assert_clean(outputs: Iterable[tuple[str, str]]) -> None:
    found = [p for where, text in outputs for p in problems(where, text)]
    assert not found, "\n".join(found[:40])


def test_the_cli_writes_no_command_in_any_format(
    hostile: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    outputs = []
    for args in ([], ["-v"], ["--json"], ["--format", "markdown"], ["--show"], ["--policy", "manylinux1"]):
        assert main([str(hostile), "--no-cache", *args]) == 1
        out, err = capsys.readouterr()
        outputs += [(f"cli {args} stdout", out), (f"cli {args} stderr", err)]
        assert annotation_lines(err), "GITHUB_ACTIONS=true writes annotations"
        if args == ["--json"]:
            # Lossless: the JSON escapes, json.loads gives every string back as the wheel has it.
            [w] = json.loads(out)["wheels"]
            [elf] = [f for f in w["files"] if f["path"] == MEMBER]
            assert SONAME in elf["needed"]
            assert elf["rpath"] == [RPATH]
            assert elf["versioned_symbols"]["libc.so.6"]["GLIBC_2.99"] == [SYMBOL]
    assert_clean(outputs)
    text = outputs[0][1]
    # Visible and reversible: the escapes show what the wheel holds.
    assert "\\x3a:add-mask::y/#\\x23[stop-commands]x\\u202e" in text
    assert "#\\x23[stop-commands]x\\x1b[31m\\u202e" in text


def test_the_gate_writes_no_command_anywhere(
    hostile: Path, pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("CI", "true")  # pytest then writes whole failure messages on -rf lines
    (pytester.path / "dist").mkdir()
    shutil.copy(hostile, pytester.path / "dist")
    pytester.makepyfile(test_marked="import pytest\n\n@pytest.mark.manylinux2014\ndef test_marked(): pass\n")
    result = pytester.runpytest(
        "--manylinux-policy=manylinux2014", "--manylinux-wheel=dist", "-v", "-rA", "--junitxml=j.xml",
        "--manylinux-json=r.json", "--manylinux-markdown=r.md", "-p", "no:randomly",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    files = {name: (pytester.path / name).read_text(encoding="utf-8") for name in ("j.xml", "r.json", "r.md")}
    stdout, stderr = "\n".join(result.outlines), "\n".join(result.errlines)
    assert_clean([("stdout", stdout), ("stderr", stderr), *files.items()])
    assert annotation_lines(stderr)
    escaped = node_name(MEMBER)
    assert f"::{escaped}::rpath FAILED" in stdout  # -v
    assert "FAILED test_marked.py::test_marked - Failed: manylinux2014: libraries \\x3a:add-mask::y" in stdout  # -rf
    [w] = json.loads(files["r.json"])["wheels"]
    assert {f["path"] for f in w["files"]} == {MEMBER, PLAIN_MEMBER}


def test_escaped_and_plain_member_names_select_their_items(hostile: Path, pytester: pytest.Pytester) -> None:
    (pytester.path / "dist").mkdir()
    shutil.copy(hostile, pytester.path / "dist")
    gate = ["--manylinux-policy=manylinux2014", "-p", "no:randomly", "-p", "no:cacheprovider"]
    wheel = f"dist/{hostile.name}"
    for selection, outcome in (
        ([f"{wheel}::{node_name(MEMBER)}::rpath"], {"failed": 1}),
        ([f"{wheel}::{PLAIN_MEMBER}::rpath"], {"passed": 1}),
        ([wheel, "-k", "\\x3aadd-mask and rpath"], {"failed": 1}),
        ([wheel, "-k", "ext_2_17 and rpath"], {"passed": 1}),
    ):
        result = pytester.runpytest(*gate, *selection)
        result.assert_outcomes(**outcome)


@pytest.mark.parametrize(
    "name", [f"x-1.0-py3-none-any{V1}.whl", "x-1.0-py3-none-any\x1b[31m.whl"], ids=["command", "escape"]
)
def test_a_hostile_wheel_file_name_is_refused_before_pytest_prints_it(
    name: str, fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path, pytester: pytest.Pytester
) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    shutil.copy(wheel({"pkg/ext_2_17" + EXT_SUFFIX: fx.ext_2_17}), dist / name)
    result = pytester.runpytest("--manylinux-policy=manylinux2014", "-v", "-rA", str(dist))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    out = result.stdout.str() + result.stderr.str()
    assert problems("pytest", out) == []
    result.stderr.fnmatch_lines(["*a wheel file name holds only letters, digits and '_.+!-' (PEP 427); rename it"])
