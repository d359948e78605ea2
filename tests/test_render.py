"""The diff a user reads, and the JSON a machine reads."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from pytest_manylinux._audit import audit
from pytest_manylinux._model import Check
from pytest_manylinux._render import render_audit, render_check, to_json

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


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
    assert lines[1:] == [
        "pkg/bin/tool  vs  manylinux_2_12_x86_64",
        "  libraries",
        "  + libc.musl-x86_64.so.1          not allowed: bundle it (auditwheel repair) or drop it",
        "  interpreter (the loader this platform has at that path)",
        "  - /lib64/ld-linux-x86-64.so.2",
        "  + /lib/ld-musl-x86_64.so.1",
        "  C library (linked for another C library)",
        "  - glibc",
        "  + musl",
        f"pkg/ext_2_17{SO}  vs  manylinux_2_12_x86_64",
        "  symbol versions (GLIBC: the policy allows up to GLIBC_2.12)",
        "  + GLIBC_2.14   memcpy",
        "  + GLIBC_2.17   clock_gettime, secure_getenv",
        f"pkg/ext_unallowed{SO}  vs  manylinux_2_12_x86_64",
        "  libraries",
        "  + libssl.so.3                    not allowed: bundle it (auditwheel repair) or drop it",
        "most compatible tag this wheel qualifies for: linux_x86_64",
    ]


def test_one_check_renders_alone(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    result = audit(wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17}), "manylinux2010")
    [file_verdict] = result.verdicts[0].files
    assert render_check(file_verdict, Check.SYMBOL_VERSIONS).splitlines()[1:] == [
        "  + GLIBC_2.14   memcpy",
        "  + GLIBC_2.17   clock_gettime, secure_getenv",
    ]
    assert render_check(file_verdict, Check.LIBRARIES) == ""


def test_json_carries_auditwheel_keys_and_symbol_attribution(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    result = audit(wheel({f"pkg/ext_unallowed{SO}": fx.ext_unallowed, f"pkg/ext_2_14{SO}": fx.ext_2_14}))
    doc = to_json([result], tool="t", policy_data="d")
    json.dumps(doc)  # serialisable as is
    assert (doc["schema"], doc["version"]) == ("pytest-manylinux/audit", 1)
    [w] = doc["wheels"]
    assert (w["overall_tag"], w["sym_tag"]) == ("linux_x86_64", "manylinux_2_17_x86_64")
    assert w["external_libs"] == {"libssl.so.3": None}
    assert w["versioned_symbols"]["libc.so.6"] == ["GLIBC_2.2.5", "GLIBC_2.14"]
    assert (w["pyfpe"], w["ucs2"], w["unsupported_isa"]) == (False, False, False)
    files = {f["path"]: f for f in w["files"]}
    assert files[f"pkg/ext_2_14{SO}"]["versioned_symbols"]["libc.so.6"]["GLIBC_2.14"] == ["memcpy"]
    assert w["passed"] is False
