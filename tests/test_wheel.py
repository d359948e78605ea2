"""Reading inputs in place: kinds, metadata, unsafe members, and the limits table."""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._errors import InvalidWheelError
from pytest_manylinux._wheel import LIMIT_OPTIONS, Limits, open_input, parse_count, parse_size

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


def test_a_wheel_is_read_in_place_with_its_tags_and_record(fx: Fixtures, wheel: Callable[..., Path]) -> None:
    path = wheel({f"pkg/ext_2_5{SO}": fx.ext_2_5, "pkg/__init__.py": b""}, tags="cp311-cp311-manylinux1_x86_64")
    before = path.read_bytes()
    with open_input(path) as reader:
        assert reader.kind == "wheel"
        names = [m.name for m in reader.members()]
        assert f"pkg/ext_2_5{SO}" in names
        meta = reader.metadata()
        with reader.open_elf(next(m for m in reader.members() if m.name == "pkg/__init__.py")) as stream:
            assert stream is None  # not ELF: found by magic, not by name
    assert (meta.name, meta.version) == ("pkg", "1.0")
    assert (meta.filename_platforms, meta.python_tags, meta.abi_tags) == (
        ("manylinux1_x86_64",),
        ("cp311",),
        ("cp311",),
    )
    assert meta.record is not None
    assert f"pkg/ext_2_5{SO}" in meta.record
    assert path.read_bytes() == before  # never modified


def test_directories_and_bare_elf_files(fx: Fixtures, tmp_path: Path) -> None:
    tree = tmp_path / "tree" / "pkg"
    tree.mkdir(parents=True)
    (tree / "a.so").write_bytes(fx.ext_2_5.read_bytes())
    (tree / "link.so").symlink_to(fx.ext_2_17)  # never followed
    with open_input(tmp_path / "tree") as reader:
        assert reader.kind == "directory"
        assert [m.name for m in reader.members()] == ["pkg/a.so"]
    with open_input(fx.ext_2_5) as reader:
        assert reader.kind == "elf"
    with pytest.raises(InvalidWheelError, match="no such file or directory"):
        open_input(tmp_path / "missing.whl")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("../evil.so", "unsafe member path"),
        ("/abs.so", "unsafe member path"),
        ("a\\b.so", "unsafe member path"),
        ("a\x1b[31m.so", "unsafe member path"),
    ],
)
def test_unsafe_member_names_are_refused(tmp_path: Path, name: str, problem: str) -> None:
    path = tmp_path / "x-1.0-py3-none-any.whl"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(name, b"\x7fELF")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InvalidWheelError, match=problem) as info, open_input(path):
        pass
    assert "\n" not in str(info.value)
    assert "\x1b" not in str(info.value)


def test_limits_table_covers_every_limit_and_parses_its_kind() -> None:
    fields = {f for f in Limits.__dataclass_fields__ if f.startswith("max_")} - {"max_ratio", "max_metadata_bytes"}
    assert {o.field for o in LIMIT_OPTIONS} == fields
    for option in LIMIT_OPTIONS:
        assert option.flag == "--" + option.ini.removeprefix("manylinux_").replace("_", "-")
        assert "default" in option.help
    assert parse_size("4G") == 4 << 30
    assert parse_count("10_000") == 10_000
    for bad in ("-1", "1e3", "9" * 30, "lots"):
        with pytest.raises(ValueError, match="not a count"):
            parse_count(bad)
