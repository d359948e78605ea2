"""Finding the wheel under test: specs, directories, dist/ preference, build failures."""

from __future__ import annotations

import re
import shutil
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux.__main__ import main
from pytest_manylinux._locate import (
    NoWheelError,
    build_failure,
    expand_spec,
    expand_wheels,
    find_in_dist,
    is_sdist,
    project_name,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"
HERE = f"cp{sys.version_info[0]}{sys.version_info[1]}"


def test_specs_are_files_globs_or_directories_of_wheels(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    house = tmp_path / "house"
    house.mkdir()
    a = Path(shutil.copy(wheel({f"a/ext_2_5{SO}": fx.ext_2_5}, name="a"), house))
    b = Path(shutil.copy(wheel({f"b/ext_2_5{SO}": fx.ext_2_5}, name="b"), house))
    assert expand_spec("house", tmp_path) == [a, b]
    assert expand_spec("house/a-*.whl", tmp_path) == [a]
    assert expand_spec(str(b), tmp_path / "elsewhere") == [b]
    assert expand_spec("installed:pkg", tmp_path) == [Path("installed:pkg")]
    tree = tmp_path / "tree"
    tree.mkdir()
    assert expand_spec("tree", tmp_path) == []  # no wheel: nothing, for the plugin
    assert expand_spec("tree", tmp_path, trees=True) == [tree]  # the CLI audits it as a tree
    assert expand_wheels([("house", tmp_path, "x"), (str(a), tmp_path, "y")]) == [a, b]  # no duplicates


def test_a_spec_matching_nothing_names_itself(tmp_path: Path) -> None:
    with pytest.raises(NoWheelError, match=r"^--manylinux-wheel 'dist/\*\.whl' matched no wheel \(relative to /"):
        expand_wheels([("dist/*.whl", tmp_path, "--manylinux-wheel")])


def test_dist_prefers_the_newest_version_this_python_can_install(
    tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "Pkg_Name"\n')
    assert project_name(tmp_path) == "Pkg_Name"
    dist = tmp_path / "dist"
    dist.mkdir()
    files = {f"pkg/ext_2_5{SO}": fx.ext_2_5}
    old = Path(shutil.copy(wheel(files, name="pkg_name", version="1.0", tags=f"{HERE}-{HERE}-manylinux1_x86_64"), dist))
    new = Path(shutil.copy(wheel(files, name="pkg_name", version="2.0", tags=f"{HERE}-{HERE}-manylinux1_x86_64"), dist))
    foreign = Path(
        shutil.copy(wheel(files, name="pkg_name", version="2.0", tags="cp27-cp27mu-manylinux1_x86_64"), dist)
    )
    Path(shutil.copy(wheel(files, name="other", version="9.0", tags=f"{HERE}-{HERE}-manylinux1_x86_64"), dist))
    assert find_in_dist(tmp_path, "pkg-name") == [new]
    new.unlink()
    assert find_in_dist(tmp_path, "pkg-name") == [foreign]  # nothing installable: still judged, and named
    foreign.unlink()
    assert find_in_dist(tmp_path, "pkg-name") == [old]
    assert find_in_dist(tmp_path / "nowhere", None) == []


def test_build_failure_shows_the_compiler_errors() -> None:
    output = "\n".join(
        [
            "running build_ext",
            *(f"noise {i}" for i in range(300)),
            "src/x.c:3:5: error: expected ';' before '}' token",
            "src/x.c:9:1: fatal error: Python.h: No such file or directory",
            "error: command '/usr/bin/gcc' failed with exit code 1",
            "ERROR Backend subprocess exited when trying to invoke build_wheel",
        ]
    )
    assert build_failure(output) == (
        "src/x.c:3:5: error: expected ';' before '}' token | src/x.c:9:1: fatal error: Python.h: No such file or "
        "directory | error: command '/usr/bin/gcc' failed with exit code 1"
    )
    assert build_failure("a\nb\nc\nd") == "b | c | d"
    assert build_failure("") == "no output"


def _sdist(where: Path, name: str = "pkg-1.0") -> Path:
    """A real sdist, as setuptools lays one out: NAME-VERSION/ with PKG-INFO and the sources."""
    tree = where / "tree" / name
    tree.mkdir(parents=True)
    (tree / "PKG-INFO").write_text(f"Metadata-Version: 2.1\nName: pkg\nVersion: {name.split('-')[1]}\n")
    (tree / "setup.py").write_text("from setuptools import setup\nsetup()\n")
    out = where / f"{name}.tar.gz"
    with tarfile.open(out, "w:gz") as archive:
        archive.add(tree, arcname=name)
    return out


def _zip_sdist(where: Path) -> Path:
    out = where / "pkg-1.0.zip"
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("pkg-1.0/PKG-INFO", "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n")
        archive.writestr("pkg-1.0/setup.py", "from setuptools import setup\nsetup()\n")
    return out


SDIST = r"this is an sdist \({}\): build a wheel first with `python -m build --wheel`$"


def test_an_sdist_is_named_as_such(tmp_path: Path, fx: Fixtures, wheel: Callable[..., Path]) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    sdist, zipped = _sdist(dist), _zip_sdist(tmp_path)
    assert is_sdist(sdist)
    assert is_sdist(zipped)
    built = Path(shutil.copy(wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5}), dist))
    renamed = Path(shutil.copy(built, tmp_path / "pkg-1.0-repacked.zip"))
    assert not is_sdist(built)
    assert not is_sdist(renamed)  # a zip holding a wheel is audited as one
    for spec, name in [("dist/pkg-1.0.tar.gz", "pkg-1.0.tar.gz"), ("pkg-1.0.zip", "pkg-1.0.zip")]:
        with pytest.raises(NoWheelError, match=rf"^input '{re.escape(spec)}': " + SDIST.format(re.escape(name))):
            expand_wheels([(spec, tmp_path, "input")], trees=True)
    assert expand_wheels([("dist/*", tmp_path, "x")]) == [built]  # the glob also matched the sdist: skipped
    built.unlink()
    for trees in (False, True):  # a dist/ holding only the sdist
        with pytest.raises(NoWheelError, match=r"^x 'dist': " + SDIST.format(r"pkg-1\.0\.tar\.gz")):
            expand_wheels([("dist", tmp_path, "x")], trees=trees)


def test_the_cli_refuses_an_sdist_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sdist = _sdist(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main([str(sdist)])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.splitlines()
    expected = (
        f"pytest-manylinux: error: input {str(sdist)!r}: this is an sdist (pkg-1.0.tar.gz): "
        "build a wheel first with `python -m build --wheel`"
    )
    assert err == [expected]


@pytest.mark.parametrize("where", ["option", "ini"])
def test_the_plugin_refuses_an_sdist_as_a_usage_error(pytester: pytest.Pytester, where: str) -> None:
    _sdist(pytester.path)
    pytester.makepyfile("def test_nothing(): pass")
    if where == "ini":
        pytester.makeini("[pytest]\nmanylinux_wheel = pkg-1.0.tar.gz\n")
        result = pytester.runpytest()
        source = "manylinux_wheel in tox.ini"
    else:
        result = pytester.runpytest("--manylinux-wheel=pkg-1.0.tar.gz", "--manylinux-policy=manylinux2014")
        source = "--manylinux-wheel"
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert result.stderr.lines[0] == (
        f"ERROR: {source} 'pkg-1.0.tar.gz': this is an sdist (pkg-1.0.tar.gz): "
        "build a wheel first with `python -m build --wheel`"
    )
