"""Policy data: vendored tables, lookups, PEP 600 validation."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from pytest_manylinux._errors import PolicyDataError, UnknownPolicyError
from pytest_manylinux._model import Libc
from pytest_manylinux._policy import load_policies, version_key

POLICIES = Path(__file__).resolve().parents[1] / "pytest_manylinux" / "policies"
ARCHES = ["x86_64", "i686", "aarch64", "ppc64le", "ppc64", "s390x", "armv7l", "riscv64", "loongarch64"]


def test_every_auditwheel_policy_and_arch_is_known() -> None:
    policies = load_policies()
    names = set(policies.names())
    assert {"manylinux1", "manylinux2010", "manylinux2014", "musllinux_1_1", "musllinux_1_2"} <= names
    assert {f"manylinux_2_{m}" for m in (5, 12, 17, 24, 28, 31, 34, 41)} <= names
    assert {p.arch for p in policies} == set(ARCHES)


def _recorded_sums() -> dict[str, str]:
    """``file -> sha256`` as SOURCE.txt records them for the upstream blobs."""
    sums: dict[str, str] = {}
    current = None
    for line in (POLICIES / "SOURCE.txt").read_text().splitlines():
        if "->" in line:
            current = line.split("->", 1)[1].strip()
        elif line.strip().startswith("sha256") and current:
            sums[current] = line.split()[-1]
    return sums


def test_every_vendored_file_matches_the_sum_recorded_in_source_txt() -> None:
    sums = _recorded_sums()
    vendored = sorted(p.name for p in POLICIES.glob("*.json"))
    assert sorted(sums) == vendored  # SOURCE.txt lists exactly what is vendored
    # Generated data counts too: musl's time64 symbols (scripts/make_musl_time64.py).
    assert {"manylinux-policy.json", "musllinux-policy.json", "musl-time64.json"} <= set(sums)
    for name in vendored:
        assert hashlib.sha256((POLICIES / name).read_bytes()).hexdigest() == sums[name], name


@pytest.mark.parametrize(
    ("name", "arch", "tag"),
    [
        ("manylinux2010", "x86_64", "manylinux_2_12_x86_64"),
        ("manylinux1_i686", None, "manylinux_2_5_i686"),
        ("manylinux_2_28", "aarch64", "manylinux_2_28_aarch64"),
        ("musllinux_1_2_x86_64", None, "musllinux_1_2_x86_64"),
        ("manylinux2014", "ppc64", "manylinux_2_17_ppc64"),
    ],
)
def test_lookup_by_name_alias_and_tag(name: str, arch: str | None, tag: str) -> None:
    assert load_policies().lookup(name, arch).tag == tag


def test_musl_libc_soname_is_fixed_up_per_arch() -> None:
    policy = load_policies().lookup("musllinux_1_2", "aarch64")
    assert policy.libc is Libc.MUSL
    assert "libc.musl-aarch64.so.1" in policy.whitelist
    assert "libc.so" not in policy.whitelist


def test_unknown_name_suggests_close_ones() -> None:
    with pytest.raises(UnknownPolicyError) as info:
        load_policies().validate("manylinux2041")
    assert "did you mean" in str(info.value)
    assert "manylinux2014" in info.value.suggestions


def test_policy_without_that_arch_is_an_error() -> None:
    with pytest.raises(UnknownPolicyError, match="manylinux1 has no aarch64 policy"):
        load_policies().lookup("manylinux1", "aarch64")


def test_pep600_tag_between_known_policies_is_interpolated() -> None:
    policies = load_policies()
    p229 = policies.for_tag("manylinux_2_29_x86_64")
    assert p229 is not None
    assert p229.note is not None
    assert "GLIBC_2.29" in p229.symbol_versions["GLIBC"]
    assert "GLIBC_2.30" not in p229.symbol_versions["GLIBC"]
    p228 = policies.lookup("manylinux_2_28", "x86_64")
    assert p229.whitelist == p228.whitelist


def test_versions_sort_as_versions() -> None:
    versions = ["GLIBC_2.10", "GLIBC_2.2.5", "GLIBC_2.3", "GLIBC_PRIVATE", "GLIBC_2.17"]
    assert sorted(versions, key=version_key) == [
        "GLIBC_2.2.5", "GLIBC_2.3", "GLIBC_2.10", "GLIBC_2.17", "GLIBC_PRIVATE",
    ]  # fmt: skip


def test_custom_policy_file_replaces_its_family(tmp_path: Path) -> None:
    data = json.loads(
        (Path(__file__).resolve().parents[1] / "pytest_manylinux/policies/manylinux-policy.json").read_text()
    )
    data = [p for p in data if p["name"] in ("linux", "manylinux_2_17")]
    data[1]["lib_whitelist"].append("libfoo.so.1")
    custom = tmp_path / "custom.json"
    custom.write_text(json.dumps(data))
    policies = load_policies([custom])
    assert "libfoo.so.1" in policies.lookup("manylinux2014", "x86_64").whitelist
    with pytest.raises(UnknownPolicyError):
        policies.lookup("manylinux2010", "x86_64")
    assert policies.lookup("musllinux_1_2", "x86_64").tag == "musllinux_1_2_x86_64"
    assert str(custom) in policies.source


def test_non_monotonic_data_is_rejected(tmp_path: Path) -> None:
    data = json.loads(
        (Path(__file__).resolve().parents[1] / "pytest_manylinux/policies/manylinux-policy.json").read_text()
    )
    newest = next(p for p in data if p["name"] == "manylinux_2_41")
    newest["lib_whitelist"].remove("libz.so.1")
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(data))
    with pytest.raises(PolicyDataError, match="manylinux_2_41 drops libraries"):
        load_policies([broken])
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(PolicyDataError, match="not valid JSON"):
        load_policies([tmp_path / "bad.json"])
