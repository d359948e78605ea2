"""Shared fixtures: real ELF files compiled with gcc once per session (per worker)."""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from builders import Fixtures, compile_fixtures, make_wheel

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping, Sequence

pytest_plugins = ["pytester"]

TAG_2_17 = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"


@pytest.fixture(autouse=True)
def _private_cache_home(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the CLI's facts cache out of the real ~/.cache during tests."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


@pytest.fixture(scope="session")
def fx(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    """Every compiled fixture, built once per run: xdist workers share one build.

    pytest-xdist's "session fixtures that execute only once" recipe: the
    first worker compiles under a lock in the directory all workers share,
    the others wait and read the index it wrote.
    """
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    out = shared / "elf-fixtures"
    index = out / "index.json"
    with (shared / "elf-fixtures.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if index.is_file():
            paths = json.loads(index.read_text())
            return Fixtures(**{k: Path(v) if v is not None else None for k, v in paths.items()})  # type: ignore[arg-type]  # Path or None per field
        built = compile_fixtures(out)
        paths = {f.name: (None if (v := getattr(built, f.name)) is None else str(v)) for f in dataclasses.fields(built)}
        index.write_text(json.dumps(paths))
        return built


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
