"""Policy tables: auditwheel's JSON format, loaded, validated and looked up.

The vendored files are auditwheel 6.8.2's ``manylinux-policy.json`` and
``musllinux-policy.json`` (MIT), byte for byte; their provenance is in
``policies/SOURCE.txt``. A user may point at a newer or custom file of the same
shape; it replaces the family (manylinux or musllinux) it defines.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, cast

from ._errors import PolicyDataError, UnknownPolicyError, one_line
from ._model import Image, Libc, Policy

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

__all__ = [
    "ARM_READ_AS",
    "IMAGES",
    "LOADER_SONAMES",
    "PYPI_LINUX_TAGS",
    "RETIRED_IMAGES",
    "VENDORED_NAMES",
    "PolicySet",
    "declared_arch",
    "declared_libc",
    "expected_interpreters",
    "libc_of_name",
    "load_policies",
    "musl_libc_soname",
    "musl_time64_symbols",
    "parse_platform_tag",
    "policy_names",
    "version_key",
]

#: What the vendored data is, for report headers and JSON.
VENDORED_SOURCE = "auditwheel 6.8.2"

# PEP 600 manylinux_X_Y_ARCH, PEP 656 musllinux_X_Y_ARCH, and the legacy aliases.
_TAG_RE = re.compile(
    r"^(?P<name>(?:manylinux|musllinux)_\d{1,9}_\d{1,9}|manylinux1|manylinux2010|manylinux2014|linux)_(?P<arch>[a-z0-9_]+)$"
)
# At most nine digits per part: user input never reaches int() unbounded.
_VERSIONED_RE = re.compile(r"^(?P<family>manylinux|musllinux)_(?P<major>\d{1,9})_(?P<minor>\d{1,9})$")

# The loader each platform's ABI names in PT_INTERP (glibc: the psABI documents;
# musl: "/lib/ld-musl-$ARCH.so.1" with musl's own arch names).
_GLIBC_INTERPRETERS: dict[str, tuple[str, ...]] = {
    "x86_64": ("/lib64/ld-linux-x86-64.so.2",),
    "i686": ("/lib/ld-linux.so.2",),
    "aarch64": ("/lib/ld-linux-aarch64.so.1",),
    "armv7l": ("/lib/ld-linux-armhf.so.3",),
    "ppc64le": ("/lib64/ld64.so.2",),
    "ppc64": ("/lib64/ld64.so.1",),
    "s390x": ("/lib/ld64.so.1",),
    "riscv64": ("/lib/ld-linux-riscv64-lp64d.so.1",),
    "loongarch64": ("/lib64/ld-linux-loongarch-lp64d.so.1",),
}
_GLIBC_INTERPRETERS_ALL = (
    *(path for paths in _GLIBC_INTERPRETERS.values() for path in paths),
    "/lib/ld-linux.so.3",
    "/libx32/ld-linux-x32.so.2",
    "/lib/ld-linux-aarch64_be.so.1",
    "/lib/ld-linux-riscv64-lp64.so.1",
)
_MUSL_ARCH = {
    "x86_64": "x86_64",
    "i686": "i386",
    "aarch64": "aarch64",
    "armv7l": "armhf",
    "ppc64le": "powerpc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}
# The soname musl's libc has per arch (auditwheel's _fixup_musl_libc_soname).
_MUSL_LIBC_ARCH = {
    "x86_64": "x86_64",
    "i686": "x86",
    "aarch64": "aarch64",
    "armv7l": "armv7",
    "ppc64le": "ppc64le",
    "s390x": "s390x",
    "riscv64": "riscv64",
    "loongarch64": "loongarch64",
}


#: Sonames of the dynamic loaders themselves (a DT_NEEDED on one is the interpreter,
#: which every policy allows): each platform's PT_INTERP basename, plus glibc's
#: older or rarer ABIs (armel, x32, big-endian aarch64, riscv64 soft-float).
LOADER_SONAMES = frozenset(
    {path.rsplit("/", 1)[-1] for path in _GLIBC_INTERPRETERS_ALL}
    | {f"ld-musl-{arch}.so.1" for arch in (*_MUSL_ARCH.values(), "armv7", "arm", "x86", "i386", "ppc64le")}
)


#: ARM arches without policy data, and the arch auditwheel 6.8.2 reads their EABI5 hard-float
#: files as (lddtree's ``_get_platform``; ``Architecture.detect`` maps armv8l the same way).
ARM_READ_AS: Mapping[str, str] = {"armv6l": "armv7l", "armv8l": "armv7l"}


#: The only ``linux_*`` platform tags PyPI accepts at upload (warehouse's
#: static allow-list, kept for Raspberry Pi wheels); every other one is refused.
PYPI_LINUX_TAGS = frozenset({"linux_armv6l", "linux_armv7l"})


#: The build images pypa/manylinux maintains, by the name the image carries, and their arches
#: (pypa/manylinux README and build matrix, November 2025). A remedy names one as
#: ``quay.io/pypa/<name>_<arch>``.
IMAGES: dict[str, tuple[str, ...]] = {
    "manylinux2014": ("x86_64", "i686", "aarch64", "ppc64le", "s390x"),
    "manylinux_2_28": ("x86_64", "i686", "aarch64", "ppc64le", "s390x"),
    "manylinux_2_31": ("armv7l",),
    "manylinux_2_34": ("x86_64", "i686", "aarch64", "ppc64le", "s390x"),
    "manylinux_2_35": ("armv7l",),
    "manylinux_2_39": ("aarch64", "riscv64"),
    "musllinux_1_2": ("x86_64", "i686", "aarch64", "ppc64le", "s390x", "armv7l", "riscv64"),
}
#: Images pypa/manylinux no longer updates (end of life): never suggested.
RETIRED_IMAGES = frozenset({"manylinux1", "manylinux2010", "manylinux_2_24", "musllinux_1_1"})


def _image_name(policy: Policy) -> str | None:
    """The name a policy's maintained image carries (``manylinux2014`` for manylinux_2_17), if it has one."""
    return next((n for n in (policy.name, *policy.aliases) if policy.arch in IMAGES.get(n, ())), None)


def _with_images(policies: Sequence[Policy]) -> list[Policy]:
    """Each policy with the maintained images of its libc and arch, oldest policy first."""
    images: dict[tuple[Libc, str], list[Image]] = {}
    for policy in sorted(policies, key=lambda p: -p.priority):
        name = _image_name(policy)
        if name is not None and not policy.is_linux:
            image = Image(name, f"quay.io/pypa/{name}_{policy.arch}", policy.priority, policy.symbol_versions)
            images.setdefault((policy.libc, policy.arch), []).append(image)
    return [replace(p, images=tuple(images.get((p.libc, p.arch), ()))) for p in policies]


def expected_interpreters(libc: Libc, arch: str) -> tuple[str, ...]:
    """The PT_INTERP paths a wheel of this family and arch may name."""
    if libc is Libc.MUSL:
        musl = _MUSL_ARCH.get(arch)
        return (f"/lib/ld-musl-{musl}.so.1",) if musl else ()
    return _GLIBC_INTERPRETERS.get(arch, ())


def musl_libc_soname(arch: str) -> str | None:
    """musl's libc soname for ``arch``; the JSON writes it as plain ``libc.so``."""
    name = _MUSL_LIBC_ARCH.get(arch)
    return f"libc.musl-{name}.so.1" if name else None


@functools.lru_cache(maxsize=1)
def musl_time64_symbols() -> frozenset[str]:
    """Symbols musl >= 1.2 defines on 32-bit arches for its 64-bit ``time_t`` (``__clock_gettime64``, ...).

    Read once from ``policies/musl-time64.json``, which
    ``scripts/make_musl_time64.py`` generates from musl's own headers (the
    ``__REDIR`` targets under ``_REDIR_TIME64``); a file importing one cannot
    load on musl 1.1, whose ``time_t`` is 32-bit there. Provenance in ``SOURCE.txt``.
    """
    data = (resources.files(__package__) / "policies" / "musl-time64.json").read_bytes()
    try:
        symbols = json.loads(data)["symbols"]
    except (ValueError, KeyError, TypeError) as e:
        raise PolicyDataError("musl-time64.json", f"not the generated document: {e}") from e
    if not isinstance(symbols, dict) or not all(isinstance(s, str) for s in symbols):
        raise PolicyDataError("musl-time64.json", "'symbols' must map symbol names to the names they replace")
    return frozenset(symbols)


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that orders ``GLIBC_2.2.5 < GLIBC_2.10`` and keeps odd names last.

    Numbers of up to 18 digits become ints, which is cheap; longer ones come
    from crafted files, and ``int()`` of a 5000-digit run hits CPython's
    conversion limit (issue 9). They sort after every short number, among
    themselves by length and then text (leading zeros stripped), which is
    numeric order without ``int()``. Other pieces sort after all numbers.
    """
    _, _, rest = version.partition("_")
    parts: list[tuple[int, int | str]] = []
    for piece in re.split(r"[._]", rest):
        if not (piece.isascii() and piece.isdigit()):
            parts.append((2, piece))
            continue
        digits = piece.lstrip("0")
        if len(digits) <= _SHORT_NUMBER:
            parts.append((0, int(digits or "0")))
        else:
            parts.append((1, f"{len(digits):020d}{digits}"))
    return tuple(parts)


#: Digits int() may take in version_key: far below CPython's 4300-digit limit.
_SHORT_NUMBER = 18


def parse_platform_tag(tag: str) -> tuple[str, str] | None:
    """Split ``manylinux2014_x86_64`` into ``("manylinux2014", "x86_64")``."""
    match = _TAG_RE.match(tag)
    return (match["name"], match["arch"]) if match else None


def libc_of_name(name: str) -> Libc | None:
    """The C library a policy name or platform tag is for (None for ``linux_*`` and others)."""
    if name.startswith("musllinux"):
        return Libc.MUSL
    if name.startswith("manylinux"):
        return Libc.GLIBC
    return None


def declared_arch(platforms: Iterable[str]) -> str | None:
    """The arch a wheel's platform tags name, if they name one."""
    for tag in platforms:
        parsed = parse_platform_tag(tag)
        if parsed is not None:
            return parsed[1]
    return None


def declared_libc(platforms: Iterable[str]) -> Libc | None:
    """The C library a wheel's platform tags name, if they name one."""
    return next((libc for tag in platforms if (libc := libc_of_name(tag)) is not None), None)


@dataclass(frozen=True, slots=True)
class _Source:
    label: str
    digest: str


class PolicySet:
    """Every known policy for every arch, with lookups by name, alias and tag."""

    def __init__(self, policies: Iterable[Policy], sources: Sequence[_Source]) -> None:
        self._policies = tuple(sorted(policies, key=lambda p: (p.libc.value, p.arch, -p.priority)))
        self._sources = tuple(sources)
        self._by_tag: dict[str, Policy] = {}
        for policy in self._policies:
            self._by_tag[policy.tag] = policy
            for alias in policy.aliases:
                self._by_tag[f"{alias}_{policy.arch}"] = policy

    def __iter__(self) -> Iterator[Policy]:
        return iter(self._policies)

    @property
    def source(self) -> str:
        """Where the data came from, with a digest that changes with its content."""
        return ", ".join(f"{s.label} ({s.digest})" for s in self._sources)

    @property
    def digest(self) -> str:
        """One short digest of all loaded data, for cache keys."""
        return hashlib.sha256("".join(s.digest for s in self._sources).encode()).hexdigest()[:16]

    def names(self) -> tuple[str, ...]:
        """Every policy name and alias without an arch suffix, sorted."""
        return self._names

    @functools.cached_property
    def _names(self) -> tuple[str, ...]:
        found = {p.name for p in self._policies} | {a for p in self._policies for a in p.aliases}
        return tuple(sorted(found, key=_name_key))

    def validate(self, name: str) -> None:
        """Raise :class:`UnknownPolicyError`, with the closest names, for a bad name."""
        parsed = parse_platform_tag(name)
        base = parsed[0] if parsed else name
        if base == "linux" or base in self.names():
            return
        suggestions = tuple(difflib.get_close_matches(base, self.names(), n=3))
        glibc = _glibc_of(base)
        known = sorted(v for p in self._policies if (v := _glibc_of(p.name)) is not None)
        if glibc is not None and known and known[0] < glibc < known[-1]:
            return  # a PEP 600 tag between two known policies: judged by interpolation
        if glibc is not None and known and _provisional(known[-1], glibc):
            return  # a plausible PEP 600 tag newer than the data: judged provisionally (issue 11)
        if glibc is not None and known:
            newest = f"manylinux_{known[-1][0]}_{known[-1][1]}"
            reason = (
                f"not in the policy data ({self.source}), which ends at {newest}; pass --policy-file with newer data"
            )
            raise UnknownPolicyError(name, suggestions, reason=reason)
        raise UnknownPolicyError(name, suggestions)

    def family(self, libc: Libc, arch: str) -> tuple[Policy, ...]:
        """Policies for one libc and arch, most compatible first, ``linux`` last."""
        found = tuple(p for p in self._policies if p.libc is libc and p.arch == arch)
        if not found:
            found = (_linux(libc, arch),)
        return found

    def judged_family(self, libc: Libc, arch: str, content: str | None) -> tuple[Policy, ...]:
        """The policies a wheel's content is judged by: its arch's, else, when that arch has none, its files'.

        auditwheel 6.8.2 has no armv6l (or armv8l) policy data; its lddtree
        (``_get_platform``) reads every 32-bit little-endian ``EM_ARM`` file as armv7l
        and then requires EABI5 hard-float, since the ELF header cannot tell ARMv6
        code from ARMv7. So a ``linux_armv6l`` wheel of hard-float files is judged
        against the armv7l policies, as ``auditwheel show`` judges it; a soft-float
        file has no arch (``ElfFacts.arch`` is None) and keeps ``linux_<arch>``.
        """
        family = self.family(libc, arch)
        if content is None or content != ARM_READ_AS.get(arch) or not family[0].is_linux:
            return family
        found = self.family(libc, content)
        return family if found[0].is_linux else found

    def lookup(self, name: str, arch: str | None, libc: Libc | None = None) -> Policy:
        """Find a policy by name or alias, with or without an arch suffix.

        A name without an arch takes ``arch``; ``libc`` only decides which
        ``linux`` policy a bare ``linux`` means.
        """
        parsed = parse_platform_tag(name)
        base, tag_arch = parsed if parsed is not None else (name, arch)
        if tag_arch is None:
            raise UnknownPolicyError(name, reason=f"add an arch suffix, e.g. {name}_x86_64")
        if base == "linux":
            return self.family(libc or Libc.GLIBC, tag_arch)[-1]
        policy = self._by_tag.get(f"{base}_{tag_arch}") or self._interpolate(base, tag_arch)
        if policy is None:
            known = {p.name for p in self._policies} | {a for p in self._policies for a in p.aliases}
            if base in known:
                raise UnknownPolicyError(f"{base}_{tag_arch}", reason=f"{base} has no {tag_arch} policy")
            raise UnknownPolicyError(name, tuple(difflib.get_close_matches(base, self.names(), n=3)))
        return policy

    def for_tag(self, tag: str) -> Policy | None:
        """The policy a declared platform tag promises, or None when it names none."""
        parsed = parse_platform_tag(tag)
        if parsed is None:
            return None
        try:
            return self.lookup(parsed[0], parsed[1], libc_of_name(parsed[0]))
        except UnknownPolicyError:
            return None

    def _interpolate(self, base: str, arch: str) -> Policy | None:
        """A PEP 600 tag between two known policies (e.g. manylinux_2_29).

        It allows what the nearest older known policy allows, plus that
        family's own C-library versions up to the tag's (GLIBC_2.29), which
        is exactly the promise the tag makes about the C library.
        """
        match = _VERSIONED_RE.match(base)
        if match is None or match["family"] != "manylinux":
            return None
        wanted = (int(match["major"]), int(match["minor"]))
        older = [
            (ver, p) for p in self.family(Libc.GLIBC, arch) if (ver := _glibc_of(p.name)) is not None and ver < wanted
        ]
        newer = [p for p in self.family(Libc.GLIBC, arch) if (v := _glibc_of(p.name)) and v > wanted]
        if older and not newer:
            return self._provisional(base, wanted, max(older, key=lambda item: item[0]))
        if not older or not newer:
            return None
        _, base_policy = max(older, key=lambda item: item[0])
        glibc = frozenset(
            v
            for p in newer
            for v in p.symbol_versions.get("GLIBC", frozenset())
            if version_key(v)[:2] <= version_key(f"GLIBC_{wanted[0]}.{wanted[1]}")
        ) | base_policy.symbol_versions.get("GLIBC", frozenset())
        versions = dict(base_policy.symbol_versions)
        versions["GLIBC"] = glibc
        return replace(
            base_policy,
            name=base,
            aliases=(),
            priority=base_policy.priority - 1,
            symbol_versions=versions,
            note=f"not in the policy data; judged as {base_policy.name} plus GLIBC up to {wanted[0]}.{wanted[1]}",
        )

    @staticmethod
    def _provisional(base: str, wanted: tuple[int, int], newest: tuple[tuple[int, int], Policy]) -> Policy | None:
        """A PEP 600 tag newer than the policy data (a new distro's manylinux_2_42), judged provisionally.

        PEP 600 defines the tag by its glibc version alone, so a tag the data
        has not caught up with is still a promise we can partly hold: the
        newest known policy plus GLIBC versions up to the tag's. Other
        libraries (libstdc++, libgcc) stay at the newest policy's, which may
        refuse what the real policy will allow: the note says so. Only up to
        :data:`PROVISIONAL_MINORS` glibc releases past the data (about five
        years); beyond that the name is more likely a typo (manylinux_2_99).
        """
        version, policy = newest
        if not _provisional(version, wanted):
            return None
        glibc = policy.symbol_versions.get("GLIBC", frozenset()) | {
            f"GLIBC_{wanted[0]}.{minor}" for minor in range(version[1] + 1, wanted[1] + 1)
        }
        return replace(
            policy,
            name=base,
            aliases=(),
            priority=policy.priority - 1,
            symbol_versions={**policy.symbol_versions, "GLIBC": frozenset(glibc)},
            note=f"provisional: newer than the policy data, which ends at {policy.name}; judged as {policy.name} "
            f"plus GLIBC up to {wanted[0]}.{wanted[1]}, other libraries as {policy.name}",
        )


#: How many glibc minor releases past the newest policy a PEP 600 name may be and
#: still be judged (provisionally): glibc releases twice a year, so about five years.
PROVISIONAL_MINORS = 10


def _provisional(newest: tuple[int, int], wanted: tuple[int, int]) -> bool:
    return wanted[0] == newest[0] and newest[1] < wanted[1] <= newest[1] + PROVISIONAL_MINORS


def _glibc_of(name: str) -> tuple[int, int] | None:
    match = _VERSIONED_RE.match(name)
    if match is None or match["family"] != "manylinux":
        return None
    return int(match["major"]), int(match["minor"])


def _name_key(name: str) -> tuple[str, tuple[int, ...], str]:
    match = _VERSIONED_RE.match(name)
    if match:
        return (match["family"], (int(match["major"]), int(match["minor"])), name)
    return (name.rstrip("0123456789"), (int("0" + "".join(filter(str.isdigit, name))),), name)


def _linux(libc: Libc, arch: str) -> Policy:
    return Policy(name="linux", arch=arch, libc=libc, priority=0)


#: The policy names and aliases the vendored files define, by family (``linux`` left out).
#: Marker registration needs them at every pytest start-up, and decoding 127 kB of JSON
#: for them cost a run that gates nothing (issue 19); tests/test_cost.py holds them to the files.
VENDORED_NAMES: dict[Libc, tuple[str, ...]] = {
    Libc.GLIBC: (
        "manylinux1", "manylinux_2_5", "manylinux_2_12", "manylinux_2_17", "manylinux_2_24", "manylinux_2_26",
        "manylinux_2_27", "manylinux_2_28", "manylinux_2_31", "manylinux_2_34", "manylinux_2_35", "manylinux_2_36",
        "manylinux_2_37", "manylinux_2_38", "manylinux_2_39", "manylinux_2_40", "manylinux_2_41", "manylinux2010",
        "manylinux2014",
    ),
    Libc.MUSL: ("musllinux_1_1", "musllinux_1_2"),
}  # fmt: skip


def policy_names(files: Sequence[Path] = ()) -> tuple[str, ...]:
    """Every policy name and alias, sorted: the vendored ones, with ``files`` replacing families.

    Only ``files`` are decoded (the vendored names are :data:`VENDORED_NAMES`).
    Unreadable or bad files are skipped here and reported by
    :func:`load_policies`, when a policy is actually needed.
    """
    by_family = dict(VENDORED_NAMES)
    for path in files:
        try:
            entries = _decode(str(path), Path(path).read_bytes())
        except (OSError, PolicyDataError):
            continue
        by_family[_family_of(entries)] = _names_in(entries)
    return tuple(sorted({n for names in by_family.values() for n in names}, key=_name_key))


def _names_in(entries: Iterable[dict[str, object]]) -> tuple[str, ...]:
    """The names and aliases of decoded policy objects, ``linux`` left out."""
    found: set[str] = set()
    for entry in entries:
        found.add(cast("str", entry["name"]))
        found.update(cast("list[str]", entry["aliases"]))
    found.discard("linux")
    return tuple(sorted(found, key=_name_key))


def _family_of(entries: Iterable[dict[str, object]]) -> Libc:
    """The family a policy file replaces: musllinux if it names a musllinux policy, else manylinux."""
    return Libc.MUSL if any(str(e["name"]).startswith("musllinux") for e in entries) else Libc.GLIBC


_VENDORED_FILES = ((Libc.GLIBC, "manylinux-policy.json"), (Libc.MUSL, "musllinux-policy.json"))


def load_policies(files: Sequence[Path] = ()) -> PolicySet:
    """Load the vendored policy data, with ``files`` replacing whole families.

    Decoded once per process for the same content: a pytest run, its
    ``--manylinux-policy`` check, its markers and the default policies of
    :mod:`._audit` all share one :class:`PolicySet` (issue 19).
    """
    return _load(tuple((str(path), _read(path)) for path in files))


def _read(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise PolicyDataError(str(path), f"cannot read: {e.strerror or e}") from e


@functools.lru_cache(maxsize=8)
def _load(files: tuple[tuple[str, bytes], ...]) -> PolicySet:
    """The policy set of the vendored data with these (label, bytes) files on top; one per content."""
    package = resources.files(__package__) / "policies"
    sources: dict[Libc, tuple[str, bytes, list[dict[str, object]] | None]] = {
        libc: (f"{VENDORED_SOURCE} {filename}", (package / filename).read_bytes(), None)
        for libc, filename in _VENDORED_FILES
    }
    for label, data in files:
        entries = _decode(label, data)
        sources[_family_of(entries)] = (label, data, entries)
    policies: list[Policy] = []
    digests: list[_Source] = []
    for libc, (label, data, decoded) in sources.items():
        entries = decoded if decoded is not None else _decode(label, data)
        _validate(label, entries)
        policies.extend(_build(label, libc, entries))
        digests.append(_Source(label, hashlib.sha256(data).hexdigest()[:12]))
    return PolicySet(_with_images(policies), digests)


def _decode(label: str, data: bytes) -> list[dict[str, object]]:
    """The policy objects of a JSON file, each of the shape auditwheel's files have.

    The shape is checked here, before anything reads the entries: the file may
    be anyone's (``--policy-file``), and a name that is a list, or nesting
    deep enough to exhaust the recursion limit, must end in one line.
    """
    label = one_line(label)
    try:
        entries = json.loads(data)
    except (ValueError, UnicodeDecodeError) as e:  # ValueError: also >4300-digit numbers
        raise PolicyDataError(label, one_line(f"not valid JSON: {e}")) from e
    except RecursionError as e:
        raise PolicyDataError(label, "not valid JSON: nested too deeply") from e
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise PolicyDataError(label, "expected a JSON list of policy objects")
    for entry in entries:
        _check_shape(label, entry)
    return cast("list[dict[str, object]]", entries)


def _is_list_of_str(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _is_map_of(value: object, check: Callable[[object], bool]) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and check(v) for k, v in value.items())


#: Each key of a policy object, and what its value must be (auditwheel's format).
_SHAPE: dict[str, tuple[str, Callable[[object], bool]]] = {
    "name": ("a string", lambda v: isinstance(v, str)),
    "aliases": ("a list of strings", _is_list_of_str),
    "priority": ("an integer", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    "symbol_versions": (
        "an object of arch -> prefix -> list of versions",
        lambda v: _is_map_of(v, lambda prefixes: _is_map_of(prefixes, _is_list_of_str)),
    ),
    "lib_whitelist": ("a list of strings", _is_list_of_str),
    "blacklist": ("an object of library -> list of symbols", lambda v: _is_map_of(v, _is_list_of_str)),
}

_SHOWN = 60  # characters of a hostile name worth showing

#: Digits in one number of a policy name or alias: glibc needs 2, and the
#: names are parsed with int() (manylinux_2_17 -> (2, 17)).
_MAX_NAME_DIGITS = 9


def _check_shape(label: str, entry: dict[str, object]) -> None:
    name = entry.get("name")
    shown = one_line(name if isinstance(name, str) else "?")
    shown = shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "..."
    for key, (kind, check) in _SHAPE.items():
        if not check(entry.get(key)):
            raise PolicyDataError(label, f"policy '{shown}': {key!r} must be {kind}")
    for text in [cast("str", name), *cast("list[str]", entry["aliases"])]:
        if re.search(rf"\d{{{_MAX_NAME_DIGITS + 1}}}", text):
            raise PolicyDataError(label, f"policy '{shown}': a version number in its name or aliases is too long")


def _validate(label: str, entries: list[dict[str, object]]) -> None:
    """PEP 600 monotonicity, as auditwheel checks it on load (the shape is _decode's).

    Going from the most to the least compatible policy, each one must allow
    every library and every symbol version the previous ones allowed.
    """
    label = one_line(label)
    seen_libs: set[str] = set()
    seen_versions: dict[tuple[str, str], set[str]] = {}
    for entry in sorted(entries, key=lambda e: cast("int", e["priority"]), reverse=True):
        name = cast("str", entry["name"])
        if name == "linux":
            continue
        libs = set(cast("list[str]", entry["lib_whitelist"]))
        if missing := seen_libs - libs:
            raise PolicyDataError(label, one_line(f"{name} drops libraries an older policy allows: {sorted(missing)}"))
        seen_libs |= libs
        arches = cast("dict[str, dict[str, list[str]]]", entry["symbol_versions"])
        for arch, prefixes in arches.items():
            for prefix, versions in prefixes.items():
                before = seen_versions.setdefault((arch, prefix), set())
                if missing := before - set(versions):
                    problem = f"{name}_{arch} drops {prefix} versions an older policy allows: {sorted(missing)}"
                    raise PolicyDataError(label, one_line(problem))
                before.update(versions)


def _build(label: str, libc: Libc, entries: list[dict[str, object]]) -> Iterator[Policy]:
    arches = sorted({a for e in entries for a in cast("dict[str, object]", e["symbol_versions"])})
    for entry in entries:
        name = cast("str", entry["name"])
        versions_by_arch = cast("dict[str, dict[str, list[str]]]", entry["symbol_versions"])
        for arch in arches if name == "linux" else versions_by_arch:
            prefixes = {} if name == "linux" else versions_by_arch[arch]
            whitelist = cast("list[str]", entry["lib_whitelist"])
            if libc is Libc.MUSL:
                musl = musl_libc_soname(arch)
                whitelist = [musl if lib == "libc.so" and musl else lib for lib in whitelist]
            yield Policy(
                name=name,
                arch=arch,
                libc=libc,
                priority=cast("int", entry["priority"]),
                aliases=tuple(cast("list[str]", entry["aliases"])),
                symbol_versions={prefix: frozenset(f"{prefix}_{v}" for v in vs) for prefix, vs in prefixes.items()},
                whitelist=frozenset(whitelist),
                blacklist={
                    lib: frozenset(syms) for lib, syms in cast("dict[str, list[str]]", entry["blacklist"]).items()
                },
                note=None if label.startswith(VENDORED_SOURCE) else f"from {label}",
            )
