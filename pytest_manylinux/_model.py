"""The values that flow through the audit: facts, policies, violations, verdicts.

Nothing here does I/O or imports from the package, so every other module can
depend on it. Facts describe what a file *is* and never mention a policy;
verdicts describe how facts compare with one policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Mapping

#: The four bytes every ELF file starts with (gABI, e_ident[EI_MAG0..3]).
ELF_MAGIC = b"\x7fELF"


class ByteSource(Protocol):
    """What the ELF reader needs of a file: seek and read (a file, BytesIO, a lazy member)."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def read(self, size: int = -1, /) -> bytes: ...


__all__ = [
    "ELF_MAGIC",
    "Audit",
    "AuditwheelFlags",
    "ByteSource",
    "Check",
    "ElfFacts",
    "ElfSize",
    "FileVerdict",
    "Finding",
    "Image",
    "Libc",
    "Policy",
    "SymbolRef",
    "VersionNeed",
    "Violation",
    "WheelFacts",
    "WheelVerdict",
]


class Libc(Enum):
    """The C library family a policy or an ELF file targets (PEP 600 / PEP 656)."""

    GLIBC = "glibc"
    MUSL = "musl"

    @property
    def tag_prefix(self) -> str:
        """The platform-tag prefix of this family's policies."""
        return "manylinux" if self is Libc.GLIBC else "musllinux"


class Check(Enum):
    """One kind of compliance check.

    Each member has one definition in ``_checks.REGISTRY``: its scope, title,
    remedy, and whether it decides the most compatible tag.
    """

    LIBRARIES = "libraries"
    SYMBOL_VERSIONS = "symbol-versions"
    BLACKLIST = "blacklist"
    INTERPRETER = "interpreter"
    ARCH = "arch"
    LIBC = "libc"
    ISA = "isa"
    PYTHON_ABI = "python-abi"
    MUSL_TIME64 = "musl-time64"
    EXECSTACK = "execstack"
    RPATH = "rpath"
    LIBPYTHON = "libpython"
    EXTENSION_SUFFIX = "extension-suffix"
    MODULE_INIT = "module-init"
    STABLE_ABI = "stable-abi"
    RECORD = "record"
    TAGS = "tags"
    ARCHIVE = "archive"
    WHEEL_METADATA = "wheel-metadata"
    SIZE = "size"
    UPLOAD = "upload"


@dataclass(frozen=True, slots=True)
class VersionNeed:
    """One `.gnu.version_r` entry: a library and a symbol version it must define."""

    library: str
    version: str
    weak: bool = False


@dataclass(frozen=True, slots=True)
class SymbolRef:
    """An undefined dynamic symbol, joined with the version `.gnu.version` gives it."""

    name: str
    version: str | None = None
    library: str | None = None
    weak: bool = False
    function: bool = True


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem a reader found in the wheel's own structure (zip framing, RECORD).

    ``subject`` is the member it concerns (or ``(archive)``), ``problem`` the
    rule it breaks, and ``pypi`` whether PyPI refuses the upload for it;
    ``note`` says what PyPI and installers do instead when it does not
    (``PyPI does not check it``), shown after the problem.
    """

    subject: str
    problem: str
    pypi: bool = False
    note: str = ""


@dataclass(frozen=True, slots=True)
class ElfSize:
    """Where one ELF file's bytes go, uncompressed: symbol tables, debug sections, the rest."""

    path: str
    size: int
    symtab: int  # .symtab and .strtab: names for debuggers and profilers, never for the loader
    debug: int  # .debug_* and .zdebug_*


@dataclass(frozen=True, slots=True)
class ElfFacts:
    """What one ELF file needs from the system it is loaded on; policy-free."""

    path: str
    elf_class: int
    little_endian: bool
    machine: str
    osabi: str
    elf_type: str
    flags: int
    arch: str | None
    arch_problem: str | None = None
    isa: str | None = None
    interpreter: str | None = None
    soname: str | None = None
    needed: tuple[str, ...] = ()
    rpath: tuple[str, ...] = ()
    runpath: tuple[str, ...] = ()
    version_needs: tuple[VersionNeed, ...] = ()
    undefined: tuple[SymbolRef, ...] = ()
    python_init: str | None = None
    has_dynamic: bool = False
    has_program_headers: bool = False
    exec_stack: bool | None = None
    #: Defined, exported dynamic symbols that matter to CPython's importer, sorted:
    #: module hooks (``PyInit_*``, PEP 489; ``PyModExport_*``, PEP 793; Python 2's
    #: ``init<module>``) and other names with CPython's reserved ``Py``/``_Py`` prefixes.
    exports: tuple[str, ...] = ()
    #: Oddities that do not stop the file from loading (a section header
    #: table cut short): shown to the user, never part of a verdict.
    warnings: tuple[str, ...] = ()

    @property
    def search_path(self) -> tuple[str, ...]:
        """DT_RPATH is ignored by the loader when DT_RUNPATH is present."""
        return self.runpath or self.rpath

    def symbols_by_version(self) -> dict[str, tuple[str, ...]]:
        """Map each required version to the sorted symbols that need it."""
        out: dict[str, set[str]] = {}
        for sym in self.undefined:
            if sym.version is not None:
                out.setdefault(sym.version, set()).add(sym.name)
        return {version: tuple(sorted(names)) for version, names in out.items()}


@dataclass(frozen=True, slots=True)
class WheelFacts:
    """Everything read from one wheel, directory or bare ELF file."""

    path: str
    kind: str
    name: str | None = None
    version: str | None = None
    filename_platforms: tuple[str, ...] = ()
    python_tags: tuple[str, ...] = ()
    abi_tags: tuple[str, ...] = ()
    wheel_platforms: tuple[str, ...] | None = None
    record: frozenset[str] | None = None
    elves: tuple[ElfFacts, ...] = ()
    #: Zip framing problems (trailing data, data descriptors, local vs central
    #: headers ...), found by walking the archive's records (issue 11).
    archive: tuple[Finding, ...] = ()
    #: Whether every member was hashed against RECORD, and what disagreed.
    record_verified: bool = False
    record_problems: tuple[Finding, ...] = ()
    #: WHEEL as written: its Wheel-Version and Root-Is-Purelib values, its raw
    #: Tag values, and lines that are not ``Key: Value``.
    has_wheel_file: bool = False
    wheel_version: str | None = None
    root_is_purelib: str | None = None
    wheel_tag_lines: tuple[str, ...] = ()
    wheel_bad_lines: tuple[str, ...] = ()
    #: The file name's tags, expanded (``cp311-cp311-manylinux_2_17_x86_64``).
    filename_tags: tuple[str, ...] = ()
    #: The wheel's size on disk, the size budget it was read under (0: none),
    #: and, only when it is over the budget, where its ELF files' bytes go.
    wheel_bytes: int = 0
    size_budget: int = 0
    elf_sizes: tuple[ElfSize, ...] = ()
    #: What PyPI's upload reads besides WHEEL (issue 19): METADATA's Name,
    #: Version and License-File values (None: no METADATA), the License-File
    #: values with no file at ``.dist-info/licenses/<value>``, and
    #: entry_points.txt as written (None: absent; ``entry_points_utf8`` False:
    #: not UTF-8, which PyPI refuses). Read bounded, never executed.
    has_metadata_file: bool = False
    metadata_format: str | None = None  # METADATA's Metadata-Version
    metadata_name: str | None = None
    metadata_version: str | None = None
    license_files: tuple[str, ...] = ()
    missing_license_files: tuple[str, ...] = ()
    entry_points: str | None = None
    entry_points_utf8: bool = True

    @property
    def declared_platforms(self) -> tuple[str, ...]:
        """Platform tags the wheel claims: its filename's, else WHEEL's Tag lines."""
        return self.filename_platforms or (self.wheel_platforms or ())

    def libraries(self) -> tuple[str, ...]:
        """Every DT_NEEDED library of every ELF file, sorted."""
        return tuple(sorted({lib for elf in self.elves for lib in elf.needed}))

    def symbols_needing(self, version: str) -> tuple[str, ...]:
        """The undefined symbols bound to ``version`` in any ELF file, sorted."""
        return tuple(sorted({s.name for elf in self.elves for s in elf.undefined if s.version == version}))

    def versions_needed(self, prefix: str) -> dict[str, tuple[str, ...]]:
        """Each required ``prefix`` version (``GLIBC_2.14``) -> ``"memcpy (pkg/_x.so)"`` entries."""
        out: dict[str, set[str]] = {}
        for elf in self.elves:
            by_version = elf.symbols_by_version()
            for need in elf.version_needs:
                if need.version.partition("_")[0] == prefix:
                    names = by_version.get(need.version, ())
                    out.setdefault(need.version, set()).update(f"{s} ({elf.path})" for s in names)
        return {version: tuple(sorted(users)) for version, users in out.items()}


@dataclass(frozen=True, slots=True)
class Image:
    """A maintained pypa/manylinux build image, and what the policy it builds for allows.

    Carried on each policy of its libc and arch so a remedy can name the image to
    rebuild in without the checks loading any data.
    """

    policy: str  # the policy name the image is named after: manylinux2014, manylinux_2_28
    name: str  # quay.io/pypa/manylinux2014_x86_64
    priority: int  # its policy's: higher is older, more compatible
    symbol_versions: Mapping[str, frozenset[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """One platform policy for one architecture, as auditwheel's JSON defines it."""

    name: str
    arch: str
    libc: Libc
    priority: int
    aliases: tuple[str, ...] = ()
    symbol_versions: Mapping[str, frozenset[str]] = field(default_factory=dict)
    whitelist: frozenset[str] = frozenset()
    blacklist: Mapping[str, frozenset[str]] = field(default_factory=dict)
    note: str | None = None
    #: The maintained build images of this policy's libc and arch, oldest policy first.
    images: tuple[Image, ...] = ()

    @property
    def tag(self) -> str:
        """The platform tag this policy stands for, e.g. ``manylinux_2_17_x86_64``."""
        return f"{self.name}_{self.arch}"

    @property
    def is_linux(self) -> bool:
        """The catch-all ``linux_<arch>`` policy: no library or version limits."""
        return self.priority == 0

    def __repr__(self) -> str:
        return f"<Policy {self.tag}>"


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a file departs from a policy, with what the policy expected."""

    check: Check
    subject: str
    expected: str | None = None
    symbols: tuple[str, ...] = ()
    hint: str = ""
    allowed_by: str | None = None
    #: What to do about this case (``rebuild in quay.io/pypa/manylinux2014_x86_64``);
    #: empty: the check's general remedy applies.
    remedy: str = ""

    @property
    def counts(self) -> bool:
        """Allowed violations are shown, with their reason, but do not fail."""
        return self.allowed_by is None


@dataclass(frozen=True, slots=True)
class FileVerdict:
    """One ELF file judged against one policy."""

    path: str
    policy: str
    violations: tuple[Violation, ...] = ()

    @property
    def passed(self) -> bool:
        """True when nothing but allowed violations remain."""
        return not any(v.counts for v in self.violations)

    def of(self, check: Check) -> tuple[Violation, ...]:
        """The violations of one check, for per-check gate items."""
        return tuple(v for v in self.violations if v.check is check)


@dataclass(frozen=True, slots=True)
class WheelVerdict:
    """A whole wheel judged against one policy."""

    wheel: str
    policy: str
    files: tuple[FileVerdict, ...] = ()
    violations: tuple[Violation, ...] = ()

    @property
    def passed(self) -> bool:
        """True when every file and the wheel itself pass."""
        return all(f.passed for f in self.files) and not any(v.counts for v in self.violations)

    @property
    def failing_files(self) -> tuple[FileVerdict, ...]:
        """Files with at least one violation that counts."""
        return tuple(f for f in self.files if not f.passed)


@dataclass(frozen=True, slots=True)
class Audit:
    """The result of auditing one input: its facts, its best tag and its verdicts.

    ``verdicts`` holds one verdict per target policy: the explicit policy when
    one was asked for, otherwise every platform tag the wheel declares; ELF
    files that declare none (a tree, a bare ELF file) are held to their most
    compatible tag, so an input with ELF files is never judged against nothing.
    ``declared`` always holds the verdicts for the declared tags, and ``tags``
    what is wrong with those tags; the latter fail the audit only when no
    explicit policy was asked for.
    """

    facts: WheelFacts
    arch: str | None
    libc: Libc
    best: str | None
    sym_tag: str | None
    verdicts: tuple[WheelVerdict, ...]
    explicit: bool
    tags: tuple[Violation, ...] = ()
    declared: tuple[WheelVerdict, ...] = ()
    strictest: WheelVerdict | None = None
    notes: tuple[str, ...] = ()
    #: For an abi3/abi3t input: the oldest CPython whose Stable ABI exports every
    #: ``Py*`` import of its ELF files (PEP 384, 652); None for any other input.
    abi3_minimum: tuple[int, int] | None = None
    flags: AuditwheelFlags = field(default_factory=lambda: AuditwheelFlags())  # noqa: PLW0108 - defined below

    @property
    def passed(self) -> bool:
        """True when every target verdict passes (and, without a policy, the tags hold).

        This is the question a marker asks: does the content meet the policy?
        """
        if not all(v.passed for v in self.verdicts):
            return False
        return self.explicit or self.tags_hold

    @property
    def tags_hold(self) -> bool:
        """True when nothing is wrong with the tags the wheel declares."""
        return not any(v.counts for v in self.tags)

    @property
    def releasable(self) -> bool:
        """The release question (gate, CLI): the content passes *and* the tags are true.

        A ``linux_x86_64`` wheel whose content is fine still fails here: PyPI refuses it.
        """
        return self.passed and self.tags_hold


@dataclass(frozen=True, slots=True)
class AuditwheelFlags:
    """What ``auditwheel show --json`` reports, read against the most compatible policy.

    Computed by evaluation so that rendering never re-derives meaning from
    subjects or library names.
    """

    external_libs: tuple[str, ...] = ()
    versioned_symbols: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pyfpe: bool = False
    ucs2: bool = False
    unsupported_isa: bool = False
