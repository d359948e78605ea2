"""Reading a Linux wheel needs no Linux: what changes off Linux, shown by taking Linux away."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux import _cache
from pytest_manylinux.__main__ import main
from pytest_manylinux._files import exclusive_lock

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
NOTE = "the facts cache is off: this OS lacks O_NOFOLLOW and dir_fd, so each run reads its wheels anew"

WINDOWS_LIKE = """
import os, sys
for name in ("fcntl", "pwd", "grp", "termios", "resource"):  # POSIX-only modules: an ImportError, as on Windows
    sys.modules[name] = None
for name in ("O_NOFOLLOW", "O_DIRECTORY", "O_CLOEXEC", "O_NONBLOCK"):  # absent from Windows' os module
    delattr(os, name)
"""


def test_nothing_posix_only_is_needed_to_import_or_audit(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    good = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    script = WINDOWS_LIKE + textwrap.dedent(
        f"""
        import importlib, pkgutil, warnings
        warnings.simplefilter("ignore")  # filelock says it falls back to a soft lock without fcntl
        import pytest_manylinux
        for module in pkgutil.iter_modules(pytest_manylinux.__path__):
            importlib.import_module(f"pytest_manylinux.{{module.name}}")
        from pathlib import Path
        from pytest_manylinux._files import exclusive_lock
        with exclusive_lock(Path({str(tmp_path / "x.lock")!r})):
            pass
        from pytest_manylinux.__main__ import main
        raise SystemExit(main([{str(good)!r}, "--json", "--policy", "manylinux2014"]))
        """
    )
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False, env=env)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["passed"] is True
    assert run.stderr.splitlines() == [f"pytest-manylinux: note: {NOTE}"]
    assert not (tmp_path / "cache").exists()  # nothing was written where links could not be refused


def test_the_cache_is_off_where_links_cannot_be_refused(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fx: Fixtures,
    wheel: Callable[..., Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    store = _cache.DirCache(tmp_path / "store")
    key = "ab" * 32
    store.save(key, {"format": "x"})
    assert store.load(key) == {"format": "x"}
    monkeypatch.setattr(_cache, "_capable", lambda: False)
    assert _cache.unsafe() == NOTE
    assert store.load(key) is None  # not even an entry written earlier is read
    store.save("cd" * 32, {"format": "x"})
    assert not (tmp_path / "store" / "cd").exists()
    good = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    assert main([str(good), "--cache-dir", str(tmp_path / "cli"), "--policy", "manylinux2014"]) == 0
    assert capsys.readouterr().err.splitlines() == [f"pytest-manylinux: note: {NOTE}"]
    assert not (tmp_path / "cli").exists()
    assert main([str(good), "--no-cache"]) == 0
    assert capsys.readouterr().err == ""  # no cache asked for: nothing to say


def test_the_plugin_says_once_that_the_cache_is_off(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    good = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    monkeypatch.setattr(_cache, "_capable", lambda: False)
    pytester.makepyfile("def test_nothing(): pass")
    result = pytester.runpytest(f"--manylinux-wheel={good}", "--manylinux-policy=manylinux2014", "-p", "no:randomly")
    assert result.ret == 0
    assert [line for line in result.stdout.lines if NOTE in line] == [
        next(line for line in result.stdout.lines if line.startswith("manylinux: policy manylinux2014;"))
    ]


CONFTEST = """
from pytest_manylinux import _markers

_markers.host_platform = lambda: "macosx-14.0-arm64"  # this host builds macOS wheels
"""

TESTS = """
import pytest

@pytest.mark.manylinux2014
def test_marked():
    pass

def test_fixture(manylinux_audit):
    manylinux_audit.assert_compliant()
"""

SKIP = "manylinux: this host builds macosx-14.0-arm64 wheels; give --manylinux-wheel to audit Linux wheels here"


def test_off_linux_a_test_of_the_hosts_own_wheel_skips(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_x=TESTS)
    pytester.makepyprojecttoml('[project]\nname = "pkg"\nversion = "1.0"\n')
    result = pytester.runpytest_subprocess("-rs", "-p", "no:randomly")
    result.assert_outcomes(skipped=2)
    assert [line.split(": ", 1)[1] for line in result.stdout.lines if line.startswith("SKIPPED")] == [SKIP] * 2
    # Linux wheels named on the command line are judged here like anywhere else.
    good = wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})
    given = pytester.runpytest_subprocess(f"--manylinux-wheel={good}", "-p", "no:randomly")
    given.assert_outcomes(passed=2)


def test_the_lock_is_one_helper_for_build_and_reads(tmp_path: Path) -> None:
    """filelock underneath: a second holder in another process waits until the first lets go."""
    lock = tmp_path / "run.lock"
    waiter = (
        "import sys\nfrom pathlib import Path\nfrom pytest_manylinux._files import exclusive_lock\n"
        "print('ready', flush=True)\nwith exclusive_lock(Path(sys.argv[1])):\n    print('got it')\n"
    )
    with exclusive_lock(lock):
        proc = subprocess.Popen([sys.executable, "-c", waiter, str(lock)], stdout=subprocess.PIPE, text=True)
        assert proc.stdout is not None
        assert proc.stdout.readline() == "ready\n"
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=1)  # still waiting for the lock
    out, _ = proc.communicate(timeout=30)
    assert (proc.returncode, out) == (0, "got it\n")
