"""Architectures: ARM's EABI rule, and arches that only linux_<arch> tags name (#9), on committed cross binaries."""

from __future__ import annotations

import struct
import subprocess
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pypi_cache import CORPUS, WheelUnavailable, fetch
from test_vs_auditwheel import auditwheel_show

from pytest_manylinux._audit import audit
from pytest_manylinux._model import Check

if TYPE_CHECKING:
    from collections.abc import Callable

CROSS = Path(__file__).resolve().parent / "data" / "cross"
ARMHF = CROSS / "crossmod-armhf.so"
E_FLAGS_32 = 0x24  # gABI: e_flags in a 32-bit ELF header
EF_ARM_ABI_FLOAT_SOFT = 0x200


def test_a_hard_float_armv6l_wheel_is_judged_as_auditwheel_judges_it(wheel: Callable[..., Path]) -> None:
    """auditwheel 6.8.2 has no armv6l policy and reads an EABI5 hard-float file as armv7l (#21)."""
    path = wheel({"pkg/crossmod.so": ARMHF}, tags="cp311-cp311-linux_armv6l")
    result = audit(path)
    assert result.passed  # its declared linux_armv6l tag is true
    assert result.releasable  # PyPI accepts linux_armv6l (Raspberry Pi wheels)
    oracle = auditwheel_show(path)
    assert (result.best, result.sym_tag) == (oracle["overall_tag"], oracle["sym_tag"])
    assert str(result.best).endswith("_armv7l")
    [note] = [n for n in result.notes if "no manylinux or musllinux policy exists for armv6l" in n]
    assert "judged against the armv7l policies" in note


def test_a_soft_float_armv6l_wheel_keeps_its_linux_tag(wheel: Callable[..., Path], tmp_path: Path) -> None:
    """No policy takes a soft-float file (auditwheel: "armv7l shall use hard-float"): linux_armv6l stays."""
    soft = tmp_path / "softfloat.so"
    soft.write_bytes(_soft_float(ARMHF.read_bytes()))
    result = audit(wheel({"pkg/crossmod.so": soft}, tags="cp311-cp311-linux_armv6l"))
    assert result.passed
    assert result.best == "linux_armv6l"
    assert any("linux_armv6l is the only tag such wheels can carry" in n for n in result.notes)


def _soft_float(data: bytes) -> bytes:
    patched = bytearray(data)
    flags = struct.unpack_from("<I", patched, E_FLAGS_32)[0]
    struct.pack_into("<I", patched, E_FLAGS_32, (flags & ~0x400) | EF_ARM_ABI_FLOAT_SOFT)
    return bytes(patched)


def test_linux_mips64_is_judged_but_not_uploadable(wheel: Callable[..., Path], tmp_path: Path) -> None:
    result = audit(wheel({"pkg/crossmod.so": ARMHF}, tags="cp311-cp311-linux_armv7l"))
    assert result.best is not None
    assert result.best.startswith("manylinux_")  # armv7l has manylinux policies
    patched = tmp_path / "softfloat.so"
    patched.write_bytes(_soft_float(ARMHF.read_bytes()))
    soft = audit(wheel({"pkg/crossmod.so": patched}, name="soft", tags="cp311-cp311-manylinux2014_armv7l"))
    [arch] = [v for f in soft.verdicts[0].files for v in f.of(Check.ARCH)]
    assert arch.subject.startswith("EM_ARM (")  # armv7l wheels must be EABI5 hard-float (auditwheel's rule)
    assert not soft.passed


@pytest.mark.pypi
def test_uv_linux_armv6l_wheel_agrees_with_auditwheel(tmp_path: Path) -> None:
    """uv 0.1.45's linux_armv6l wheel: a static EABI5 hard-float executable, armv7l to auditwheel (#21)."""
    pinned = next(w for w in CORPUS if w.filename == "uv-0.1.45-py3-none-linux_armv6l.whl")
    try:
        path = fetch(pinned)
    except WheelUnavailable as e:
        pytest.skip(e.reason)
    with zipfile.ZipFile(path) as z:
        exe = Path(z.extract("uv-0.1.45.data/scripts/uv", tmp_path))
    readelf = subprocess.run(["readelf", "-h", "-l", str(exe)], capture_output=True, text=True, check=True).stdout
    assert "Version5 EABI, hard-float ABI" in readelf
    assert "INTERP" not in readelf
    result = audit(path)
    [elf] = result.facts.elves
    assert (elf.machine, elf.arch, elf.interpreter) == ("EM_ARM", "armv7l", None)
    oracle = auditwheel_show(path)
    assert (result.best, result.sym_tag) == (oracle["overall_tag"], oracle["sym_tag"]) == ("manylinux_2_17_armv7l",) * 2
    assert result.releasable
