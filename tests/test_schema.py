"""Both JSON producers, the CLI and the plugin, write documents valid against the published schema."""

from __future__ import annotations

import json
from importlib import resources
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest

from pytest_manylinux.__main__ import main
from pytest_manylinux._render import JSON_SCHEMA, JSON_SCHEMA_VERSION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The schema as shipped in the package, itself checked against its metaschema."""
    data: dict[str, Any] = json.loads(
        (resources.files("pytest_manylinux") / "schema" / "audit.schema.json").read_text()
    )
    jsonschema.Draft202012Validator.check_schema(data)
    assert data["properties"]["schema"]["const"] == JSON_SCHEMA
    assert data["properties"]["version"]["const"] == JSON_SCHEMA_VERSION
    return data


@pytest.fixture
def wheels(fx: Fixtures, wheel: Callable[..., Path]) -> list[Path]:
    return [
        wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17, "pkg.libs/libvendored.so.1": fx.libvendored}),
        wheel({f"tls/ext_unallowed{SO}": fx.ext_unallowed}, name="tls"),
        wheel({f"old/ext_2_17{SO}": fx.ext_2_17}, name="old", tags="cp311-cp311-linux_x86_64"),
    ]


def test_cli_json_is_valid(
    schema: dict[str, Any], wheels: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken-1.0-py3-none-any.whl"
    broken.write_bytes(b"PK\x03\x04 not a zip")
    for args in ([], ["--policy", "manylinux2010"]):
        assert main([*map(str, wheels), str(broken), "--json", "--no-cache", *args]) == 2
        doc = json.loads(capsys.readouterr().out)
        jsonschema.validate(doc, schema)
        assert len(doc["errors"]) == 1
        assert doc["passed"] is False


@pytest.mark.parametrize("workers", ["0", "2"])
def test_plugin_json_is_valid(
    schema: dict[str, Any], wheels: list[Path], pytester: pytest.Pytester, workers: str
) -> None:
    pytester.makepyfile(
        test_marked="import pytest\n\n@pytest.mark.manylinux1\ndef test_old(): pass\n\n"
        "@pytest.mark.xfail(strict=True)\n@pytest.mark.manylinux2010\ndef test_xfail(): pass\n"
    )
    gate = [f"--manylinux-wheel={w}" for w in wheels]
    result = pytester.runpytest_subprocess(
        "--manylinux-policy=manylinux2014",
        *gate,
        str(wheels[0]),
        "test_marked.py",
        "--manylinux-json=r.json",
        "-n",
        workers,
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    doc = json.loads((pytester.path / "r.json").read_text())
    jsonschema.validate(doc, schema)
    assert {w["wheel"] for w in doc["wheels"]} == {str(w) for w in wheels}
    outcomes = {r["outcome"] for w in doc["wheels"] for t in w["targets"] for r in t["results"]}
    assert outcomes >= {"passed", "failed"}
