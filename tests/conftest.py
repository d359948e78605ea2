"""Shared fixtures: real ELF files compiled with gcc once per session (per worker)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from builders import Fixtures, compile_fixtures, make_wheel

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence
    from pathlib import Path

pytest_plugins = ["pytester"]

TAG_2_17 = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


@pytest.fixture(autouse=True)
def _private_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the CLI's facts cache out of the real ~/.cache during tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(scope="session")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    """Every compiled fixture; 0.2 s of gcc, so each xdist worker builds its own."""
    return compile_fixtures(tmp_path_factory.mktemp("elf"))


@pytest.fixture
def wheel(tmp_path: Path) -> Callable[..., Path]:
    """Zip files into a real wheel: ``wheel({"pkg/_x.so": path}, tags=...)``."""

    def make(
        files: Mapping[str, bytes | Path],
        *,
        tags: str = TAG_2_17,
        name: str = "pkg",
        version: str = "1.0",
        wheel_tags: Sequence[str] | None = None,
        record: bool = True,
        omit_from_record: Collection[str] = (),
    ) -> Path:
        return make_wheel(
            tmp_path,
            name=name,
            version=version,
            tags=tags,
            files=files,
            wheel_tags=wheel_tags,
            record=record,
            omit_from_record=omit_from_record,
        )

    return make
