"""The diff a user reads, the JSON a machine reads, and the Markdown CI shows; all escaped and bounded."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._audit import audit
from pytest_manylinux._checks import REGISTRY
from pytest_manylinux._errors import plain, safe_annotation, safe_json, safe_output
from pytest_manylinux._model import Check, FileVerdict, Violation
from pytest_manylinux._render import (
    MAX_LINES,
    audit_document,
    markdown_cell,
    render_audit,
    render_block,
    render_check,
    render_markdown,
    render_summary,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
MUSL_BUILD = "  fix: this is a musl build; judge it with a musllinux policy"
OLDEST_IMAGE = (
    "  fix: manylinux2010 has no build image for x86_64 (retired): the oldest image that allows what this "
    "file needs is quay.io/pypa/manylinux2014_x86_64; tag it manylinux2014"
)
GRAFT = (
    "  fix: graft libssl.so.3 into the wheel with `auditwheel repair --plat manylinux_2_12_x86_64` on a system no "
    "newer than manylinux2010 allows (no maintained image builds for it), or stop linking it; elsewhere auditwheel "
    "grafts that machine's copy and refuses the tag if the copy needs a newer glibc"
)


def test_failure_reads_as_a_diff_against_the_policy(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    path = wheel(
        {
            f"pkg/ext_2_17{SO}": fx.ext_2_17,
            f"pkg/ext_unallowed{SO}": fx.ext_unallowed,
            "pkg/bin/tool": fx.exe_musl,
        }
    )
    text = render_audit(audit(path, "manylinux2010"))
    lines = text.splitlines()
    assert lines[0].startswith(f"FAIL  {path}  (3 ELF files; target: manylinux_2_12_x86_64)")
    not_everywhere = "not on every system of this policy: bundle it (auditwheel repair) or drop it"
    assert lines[1:] == [
        "pkg/bin/tool  vs  manylinux_2_12_x86_64",
        "  libraries",
        f"  + libc.musl-x86_64.so.1          {not_everywhere}",
        MUSL_BUILD,
        "  interpreter (the loader this platform has at that path)",
        "  - /lib64/ld-linux-x86-64.so.2",
        "  + /lib/ld-musl-x86_64.so.1",
        MUSL_BUILD,
        "  C library (linked for another C library)",
        "  - glibc",
        "  + musl",
        MUSL_BUILD,
        f"pkg/ext_2_17{SO}  vs  manylinux_2_12_x86_64",
        "  symbol versions (GLIBC: the policy allows up to GLIBC_2.12)",
        "  + GLIBC_2.14   memcpy",
        "  + GLIBC_2.17   clock_gettime, secure_getenv",
        OLDEST_IMAGE,
        f"pkg/ext_unallowed{SO}  vs  manylinux_2_12_x86_64",
        "  libraries",
        f"  + libssl.so.3                    {not_everywhere}",
        GRAFT,
        "most compatible tag this wheel qualifies for: linux_x86_64",
    ]


def test_one_check_renders_alone(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    result = audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), "manylinux2010")
    [file_verdict] = result.verdicts[0].files
    assert render_check(file_verdict, Check.SYMBOL_VERSIONS).splitlines()[1:3] == [
        "  + GLIBC_2.14   memcpy",
        "  + GLIBC_2.17   clock_gettime, secure_getenv",
    ]
    assert render_check(file_verdict, Check.LIBRARIES) == ""


def test_json_carries_auditwheel_keys_and_symbol_attribution(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    result = audit(wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed, f"pkg/ext_2_14{SO}": fx.ext_2_14}))
    doc = audit_document([result], tool="t", policy_data="d")
    json.dumps(doc)  # serialisable as is
    assert (doc["schema"], doc["version"]) == ("pytest-manylinux/audit", 2)
    [w] = doc["wheels"]
    assert (w["overall_tag"], w["sym_tag"]) == ("linux_x86_64", "manylinux_2_17_x86_64")
    assert w["external_libs"] == {"libssl.so.3": None}
    assert w["versioned_symbols"]["libc.so.6"] == ["GLIBC_2.2.5", "GLIBC_2.14"]
    assert (w["pyfpe"], w["ucs2"], w["unsupported_isa"]) == (False, False, False)
    files = {f["path"]: f for f in w["files"]}
    assert files[f"pkg/ext_2_14{SO}"]["versioned_symbols"]["libc.so.6"]["GLIBC_2.14"] == ["memcpy"]
    assert w["passed"] is False
    assert doc["passed"] is False


HOSTILE = "lib`evil`](https://x.example/a)![i](https://x.example/i.png)<img src=x>|\x1b]0;title\x07\r\n\u2028.so"


def _hostile_file() -> FileVerdict:
    violations = tuple(
        Violation(check, HOSTILE, expected=HOSTILE, symbols=(HOSTILE,) * 3, hint=HOSTILE, remedy=HOSTILE)
        for check in REGISTRY
    )
    return FileVerdict(HOSTILE, HOSTILE, violations)


def test_text_never_carries_a_control_character() -> None:
    verdict = _hostile_file()
    for check in REGISTRY:
        text = render_check(verdict, check)
        assert text
        assert not any(ch in text for ch in "\x1b\x07\r\u2028"), check
        assert len(text.splitlines()) == len(render_check(verdict, check).split("\n"))


@pytest.mark.parametrize("text", [HOSTILE, "a|b", "`x`", "[l](u)", "![i](u)", "<script>", "a\\|b"])
def test_markdown_cells_cannot_break_out(text: str) -> None:
    cell = markdown_cell(text)
    for unsafe in ("`", "|", "[", "]", "(", ")", "!", "<", ">"):
        assert all(cell[i - 1] == "\\" for i, ch in enumerate(cell) if ch == unsafe and unsafe not in "<>"), cell
    assert "<" not in cell
    assert ">" not in cell
    assert "\n" not in cell


def test_reports_of_a_hostile_wheel_are_escaped(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    result = audit(wheel({"pkg/a`b](x)![i](y)|c.so": fx.ext_unallowed}), "manylinux2014")
    doc = audit_document([result], tool="t", policy_data="d")
    markdown = render_markdown(doc)
    assert "a\\`b\\]\\(x\\)\\!\\[i\\]\\(y\\)\\|c.so" in markdown
    assert "](x)" not in markdown
    text = "\n".join(render_summary(doc))
    assert "a`b](x)![i](y)|c.so" in text  # plain text needs no Markdown escaping
    assert json.loads(json.dumps(doc))["wheels"][0]["files"][0]["path"] == "pkg/a`b](x)![i](y)|c.so"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("##[stop-commands]x", "#\\x23[stop-commands]x"),
        ("###[x", "##\\x23[x"),
        ("#\ufe0f#[x", "#\ufe0f\\x23[x"),  # .NET's culture-sensitive IndexOf skips a variation selector
        ("::add-mask::y", "\\x3a:add-mask::y"),
        ("  \u034f::x", "  \u034f\\x3a:x"),
        ("\u00a0::x", "\\xa0::x"),  # the runner's TrimStart would drop U+00A0: escaped, nothing trims it
        ("a::b", "a::b"),  # not at a line's start: no command
        ("x\x1b[31m\u202e", "x\\x1b[31m\\u202e"),
    ],
)
def test_workflow_commands_are_escaped_visibly(text: str, shown: str) -> None:
    """GitHub's runner: ``##[`` anywhere, ``::`` at a line's start after whitespace (#19)."""
    assert plain(text) == shown
    assert plain(shown) == shown  # idempotent: text escaped once passes every later guard unchanged
    assert safe_output(f"{text}\n{text}") == f"{shown}\n{shown}"
    assert safe_annotation(text) == shown
    assert json.loads(safe_json(json.dumps(text))) == text


def test_only_a_well_formed_annotation_keeps_its_command() -> None:
    ours = "::error file=a.whl,title=rpath%3A a.whl::a.whl: rpath fails #\\x23[x"
    assert safe_annotation(ours) == ours
    assert safe_annotation("::error file=a::b,title=t::m").startswith("\\x3a:error")
    assert safe_annotation("::add-mask::y").startswith("\\x3a:")
    assert safe_annotation("::error title=t::m ##[x") == "::error title=t::m #\\x23[x"


def test_every_block_is_capped() -> None:
    many = tuple(Violation(Check.LIBRARIES, f"lib{i}.so", hint="h") for i in range(10 * MAX_LINES))
    lines = render_block(Check.LIBRARIES, many).splitlines()
    assert len(lines) == MAX_LINES + 3  # title, capped lines, "... and N more", fix
    assert lines[-2].strip() == f"... and {9 * MAX_LINES} more"
