"""What the installed plugin costs (issue 19): the policy JSON parsed once at most, per-test work only when marked.

Timing is ``benchmarks/bench.py --sections unused``; here we count work, which
is exact: the calls of the policy decoder, and which tests get our fixture.
"""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from pytest_manylinux._model import Libc
from pytest_manylinux._policy import VENDORED_NAMES, _decode, _names_in, policy_names

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from builders import Fixtures

SO = ".cpython-311-x86_64-linux-gnu.so"

# Counts every decode of policy JSON (_decode: the only json.loads of policy data)
# and every load_policies call in the pytester run, then prints them at the end.
COUNTING_CONFTEST = """
import collections, json
import pytest_manylinux._policy as policy

DECODED = collections.Counter()
LOADS = []
_decode, _load_policies = policy._decode, policy.load_policies

def counting_decode(label, data):
    DECODED[label] += 1
    return _decode(label, data)

def counting_load(*args, **kwargs):
    LOADS.append(1)
    return _load_policies(*args, **kwargs)

policy._decode = counting_decode
policy.load_policies = counting_load

def pytest_unconfigure(config):
    print("COUNTS:", json.dumps({"decoded": DECODED, "loads": len(LOADS)}))
"""

MANY_PLAIN = "".join(f"def test_{i}():\n    pass\n\n" for i in range(50))


def _counts(stdout: list[str]) -> dict[str, object]:
    line = next(line for line in stdout if line.startswith("COUNTS: "))
    counts: dict[str, object] = json.loads(line.removeprefix("COUNTS: "))
    return counts


@pytest.fixture
def wheel_2_17(fx: Fixtures, wheel: Callable[..., Path]) -> Path:
    return wheel({f"pkg/ext_2_17{SO}": fx.ext_2_17})


def test_a_run_that_gates_nothing_decodes_no_policy_json(pytester: pytest.Pytester) -> None:
    """Before issue 19 the two files were decoded about three times per test."""
    pytester.makeconftest(COUNTING_CONFTEST)
    pytester.makepyfile(test_plain=MANY_PLAIN)
    result = pytester.runpytest_subprocess("-s", "-p", "no:randomly", "--strict-markers")
    result.assert_outcomes(passed=50)
    assert _counts(result.outlines) == {"decoded": {}, "loads": 0}


def test_a_marked_run_decodes_each_policy_file_once(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    pytester.makeconftest(COUNTING_CONFTEST)
    marked = "".join(f"@pytest.mark.manylinux2014\ndef test_m{i}():\n    pass\n\n" for i in range(20))
    pytester.makepyfile(test_marked="import pytest\n\n" + marked + MANY_PLAIN)
    result = pytester.runpytest_subprocess(
        "-s", "-p", "no:randomly", "--strict-markers", f"--manylinux-wheel={wheel_2_17}"
    )
    result.assert_outcomes(passed=70)
    counts = _counts(result.outlines)
    decoded = counts["decoded"]
    assert isinstance(decoded, dict)
    assert sorted(decoded.values()) == [1, 1]  # manylinux-policy.json and musllinux-policy.json, once each
    assert counts["loads"] == 1


def test_vendored_names_are_the_files_names() -> None:
    """:data:`VENDORED_NAMES` stands in for the vendored JSON at start-up: it must say what the files say."""
    from importlib import resources  # noqa: PLC0415

    package = resources.files("pytest_manylinux") / "policies"
    for libc, filename in ((Libc.GLIBC, "manylinux-policy.json"), (Libc.MUSL, "musllinux-policy.json")):
        entries = _decode(filename, (package / filename).read_bytes())
        assert VENDORED_NAMES[libc] == _names_in(entries), f"update VENDORED_NAMES from policies/{filename}"


def test_a_policy_file_replaces_its_familys_names(tmp_path: Path) -> None:
    custom = tmp_path / "corp.json"
    custom.write_text(
        json.dumps([
            {"name": "linux", "aliases": [], "priority": 0, "symbol_versions": {},
             "lib_whitelist": [], "blacklist": {}},
            {"name": "corp2024", "aliases": ["corp"], "priority": 80, "symbol_versions": {"x86_64": {}},
             "lib_whitelist": ["libc.so.6"], "blacklist": {}},
        ])
    )  # fmt: skip
    names = policy_names([custom])
    assert "corp2024" in names
    assert "corp" in names
    assert "manylinux2014" not in names  # the file is a manylinux family: it replaces the vendored one
    assert set(VENDORED_NAMES[Libc.MUSL]) <= set(names)
    assert policy_names([tmp_path / "missing.json"]) == policy_names()  # reported later, by load_policies


def test_unmarked_tests_get_no_fixture_of_ours(pytester: pytest.Pytester) -> None:
    """A fixture on every test cost a run that gates nothing about 10% of its CPU (issue 19)."""
    pytester.makeconftest(
        """
        def pytest_collection_modifyitems(items):
            for item in items:
                print("FIXTURES", item.name, sorted(n for n in item.fixturenames if "manylinux" in n))
        """
    )
    pytester.makepyfile("import pytest\n\ndef test_plain(): pass\n\n@pytest.mark.manylinux2014\ndef test_m(): pass\n")
    result = pytester.runpytest("-s", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["FIXTURES test_plain []", "FIXTURES test_m ['_manylinux_markers']"])


def test_markers_collection_cannot_see_still_audit(pytester: pytest.Pytester, wheel_2_17: Path) -> None:
    """A pytest.param's marker and one a hook adds are audited too: without the fixture the test would pass."""
    pytester.makeconftest(
        """
        import pytest

        def pytest_collection_modifyitems(items):
            for item in items:
                if item.name == "test_added":
                    item.add_marker(pytest.mark.manylinux2010)
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("x", [pytest.param(1, marks=pytest.mark.manylinux2010), 2])
        def test_param(x): pass

        def test_added(): pass
        """
    )
    result = pytester.runpytest("--strict-markers", f"--manylinux-wheel={wheel_2_17}", "-v")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*test_param[[]1[]] FAILED*", "*test_param[[]2[]] PASSED*", "*test_added FAILED*"],
                                consecutive=False)  # fmt: skip


def test_a_module_marker_runs_each_test_once_per_wheel(
    pytester: pytest.Pytester, fx: Fixtures, wheel: Callable[..., Path]
) -> None:
    """``pytestmark`` on a module reaches the fixture through collection, so several wheels parametrize it."""
    house = pytester.path / "house"
    house.mkdir()
    shutil.copy(wheel({f"a/ext_2_5{SO}": fx.ext_2_5}, name="a"), house)
    shutil.copy(wheel({f"b/ext_2_17{SO}": fx.ext_2_17}, name="b"), house)
    pytester.makepyfile("import pytest\n\npytestmark = pytest.mark.manylinux2010\n\ndef test_tag(): pass\n")
    result = pytester.runpytest("--manylinux-wheel=house", "-v")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*::test_tag[[]a-1.0-*.whl] PASSED*", "*::test_tag[[]b-1.0-*.whl] FAILED*"], consecutive=False
    )
