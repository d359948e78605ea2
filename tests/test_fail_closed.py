"""Issue #9's last fail-closed cases: the loader by exact soname, our own scratch space, pipes, one wheel's surprise."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._audit import audit
from pytest_manylinux._checks import FILE_CHECKS, WHEEL_CHECKS
from pytest_manylinux._model import Check

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


def _ext_needing(tmp_path: Path, *needed: str) -> Path:
    """A real shared object whose DT_NEEDED are exactly ``needed`` (linked by soname with -l:)."""
    libs = []
    for name in needed:
        stub = tmp_path / name.rsplit("/", 1)[-1]
        subprocess.run(
            ["gcc", "-shared", "-fPIC", "-nostdlib", f"-Wl,-soname,{name}", "-o", str(stub), "-x", "c", "-"],
            input=b"int dummy;\n", check=True, capture_output=True,
        )  # fmt: skip
        libs.append(str(stub))
    out = tmp_path / f"ext{SO}"
    subprocess.run(
        ["gcc", "-shared", "-fPIC", "-nostdlib", "-Wl,--no-as-needed", "-o", str(out), *libs, "-x", "c", "-"],
        input=b"void *PyInit_ext(void) { return 0; }\n", check=True, capture_output=True,
    )  # fmt: skip
    return out


@pytest.mark.parametrize(
    "needed", ["/opt/evil/ld-linux-evil.so", "libevil-ld-linux.so.1", "/lib64/ld-linux-x86-64.so.2"]
)
def test_only_the_real_loader_is_the_loader(tmp_path: Path, wheel: Callable[..., Path], needed: str) -> None:
    ext = _ext_needing(tmp_path, needed)
    out = subprocess.run(["readelf", "-dW", str(ext)], capture_output=True, text=True, check=True).stdout
    assert f"Shared library: [{needed}]" in out  # the oracle: ld.so will look for exactly this name
    result = audit(wheel({f"pkg/ext{SO}": ext}), "manylinux2014")
    assert [v.subject for f in result.verdicts[0].files for v in f.of(Check.LIBRARIES)] == [needed]


def test_the_loader_by_its_soname_is_allowed(tmp_path: Path, wheel: Callable[..., Path]) -> None:
    ext = _ext_needing(tmp_path, "ld-linux-x86-64.so.2")
    assert audit(wheel({f"pkg/ext{SO}": ext}), "manylinux2014").passed


def test_our_own_scratch_file_failing_is_not_blamed_on_the_wheel(
    fx: Fixtures, wheel: Callable[..., Path], tmp_path: Path
) -> None:
    big = tmp_path / f"big{SO}"
    big.write_bytes(fx.ext_2_5.read_bytes() + os.urandom(2 << 20))  # > 512 KiB: inflated into a temp file
    path = wheel({f"pkg/big{SO}": big})
    limit = "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (8 << 10, 8 << 10)); "
    run = "from pytest_manylinux.__main__ import main; sys.exit(main(sys.argv[1:]))"
    out = subprocess.run(
        [sys.executable, "-c", limit + run, str(path), "--no-cache"], capture_output=True, text=True, check=False
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert (
        "cannot write a temporary copy to inflate it (File too large); this is not a problem with the wheel"
        in out.stderr
    )


def test_a_closed_pipe_keeps_the_verdict_as_exit_code(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    good = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5})
    proc = subprocess.run(  # noqa: S602 - the pipe is the point; every word is ours
        f"{sys.executable} -m pytest_manylinux {good} {good} {good} -v --no-cache | head -c 1; exit ${{PIPESTATUS[0]}}",
        shell=True, executable="/bin/bash", capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr


def test_a_surprise_while_judging_one_wheel_fails_only_that_wheel(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    good = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5})
    odd = wheel({f"odd/ext_2_5{SO}": fx.ext_2_5}, name="odd")
    pytester.makeconftest(
        """
        from pytest_manylinux import _audit

        _real = _audit.judge

        def judge(facts, *args, **kwargs):
            if "odd-" in facts.path:
                raise RecursionError("deep")
            return _real(facts, *args, **kwargs)

        _audit.judge = judge
        """
    )
    for path in (good, odd):
        (pytester.path / path.name).write_bytes(path.read_bytes())
    result = pytester.runpytest_subprocess("--manylinux-policy=manylinux2014", good.name, odd.name)
    result.assert_outcomes(passed=len(WHEEL_CHECKS) + len(FILE_CHECKS), failed=1)
    result.stdout.fnmatch_lines(
        ["*internal error while auditing: RecursionError: deep*", "FAILED odd-1.0-*.whl::audit*"]
    )
