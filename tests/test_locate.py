"""Finding the wheel under test: specs, directories, dist/ preference, build failures."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._locate import NoWheelError, build_failure, expand_spec, expand_wheels, find_in_dist, project_name

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
