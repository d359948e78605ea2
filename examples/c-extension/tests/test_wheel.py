"""This project's wheel keeps its manylinux2014 promise; these tests prove it.

The wheel comes from dist/ when there is one, else the manylinux_wheel fixture
builds it once per run with pypa/build.
"""

import pytest


@pytest.mark.manylinux2014
def test_wheel_is_manylinux2014() -> None:
    """The marker audits the wheel before this body runs; nothing else to do."""


@pytest.mark.xfail(strict=True, reason="clock_gettime needs GLIBC_2.17, newer than manylinux2010's 2.12")
@pytest.mark.manylinux2010
def test_wheel_is_not_manylinux2010() -> None:
    """Kept as a strict xfail: the day it passes, the tag can be widened."""


def test_glibc_ceiling(manylinux_audit) -> None:  # noqa: ANN001 - the plugin's fixture
    assert manylinux_audit.max_version("GLIBC") <= "2.17"
    assert "clock_gettime" in manylinux_audit.symbols_needing("GLIBC_2.17")
    assert "libc.so.6" in manylinux_audit.libraries
