"""Architectures: ARM's EABI rule, and arches that only linux_<arch> tags name (#9), on committed cross binaries."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import TYPE_CHECKING

from pytest_manylinux._audit import audit
from pytest_manylinux._model import Check

if TYPE_CHECKING:
    from collections.abc import Callable

CROSS = Path(__file__).resolve().parent / "data" / "cross"
ARMHF = CROSS / "crossmod-armhf.so"
E_FLAGS_32 = 0x24  # gABI: e_flags in a 32-bit ELF header
EF_ARM_ABI_FLOAT_SOFT = 0x200


def test_a_hard_float_arm_file_keeps_its_linux_armv6l_tag(wheel: Callable[..., Path]) -> None:
    result = audit(wheel({"pkg/crossmod.so": ARMHF}, tags="cp311-cp311-linux_armv6l"))
    assert result.passed
    assert result.releasable  # PyPI accepts linux_armv6l (Raspberry Pi wheels)
    assert result.best == "linux_armv6l"
    assert any("no manylinux or musllinux policy exists for armv6l" in n for n in result.notes)


def test_linux_mips64_is_judged_but_not_uploadable(wheel: Callable[..., Path], tmp_path: Path) -> None:
    data = bytearray(ARMHF.read_bytes())
    result = audit(wheel({"pkg/crossmod.so": ARMHF}, tags="cp311-cp311-linux_armv7l"))
    assert result.best is not None
    assert result.best.startswith("manylinux_")  # armv7l has manylinux policies
    patched = tmp_path / "softfloat.so"
    flags = struct.unpack_from("<I", data, E_FLAGS_32)[0]
    struct.pack_into("<I", data, E_FLAGS_32, (flags & ~0x400) | EF_ARM_ABI_FLOAT_SOFT)
    patched.write_bytes(bytes(data))
    soft = audit(wheel({"pkg/crossmod.so": patched}, name="soft", tags="cp311-cp311-manylinux2014_armv7l"))
    [arch] = [v for f in soft.verdicts[0].files for v in f.of(Check.ARCH)]
    assert arch.subject.startswith("EM_ARM (")  # armv7l wheels must be EABI5 hard-float (auditwheel's rule)
    assert not soft.passed
