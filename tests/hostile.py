"""Hostile and broken inputs, derived from the real fixtures (issue 5).

Nothing opaque is committed: every case is a recipe that takes an ELF file
compiled by :func:`builders.compile_fixtures`, or a wheel written by
:func:`builders.make_wheel` (or by the small raw zip writer below, for headers
zipfile refuses to write), and patches it with :mod:`struct` at offsets found
by parsing it. The corpus therefore follows the toolchain, and every byte of
it can be read in this file.

A :class:`Case` is cheap to list (its id and kind are static, so pytest can
parametrize without compiling anything) and builds its :class:`Sample` -- the
bytes to write plus the outcome the auditor owes -- only when a test asks.

Every outcome is facts (an Audit) or one ``ManylinuxError``; never another
exception, never a hang. Which one is decided per case, from what the dynamic
loader would see:

* the ELF header, the program headers, the bytes of the segments and the
  dynamic tables inside them are the loader's view: breaking them is an error
  (or, where the loader itself copes, e.g. a chain ended early, other facts);
  a file cut inside that view is an error, a file cut after it is not;
* notes are never read by the loader: bogus note sizes only lose the ISA level;
* section headers, ``sh_link``, ``e_shstrndx`` and everything past the last
  segment are not the loader's business: breaking them leaves the facts
  exactly those of the pristine file.

The fuzzers share the pieces below (:func:`elf_fields`, :func:`zip_fields`,
:func:`mutate`, :func:`check_outcome`), so the hypothesis tests and
``fuzz_long.py`` mutate the same fields and hold the same property.
"""

from __future__ import annotations

import enum
import hashlib
import io
import stat
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from builders import EXT_SUFFIX, Fixtures, make_wheel
from elftools.elf.elffile import ELFFile

from pytest_manylinux._audit import audit
from pytest_manylinux._errors import ManylinuxError
from pytest_manylinux._model import Audit, Check

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

Kind = Literal["elf", "wheel"]

#: Values that break length and offset arithmetic: zero, one-off, sign, wrap.
INTERESTING: tuple[int, ...] = (
    0,
    1,
    2,
    7,
    0x7F,
    0x80,
    0xFF,
    0x100,
    0x7FFF,
    0x8000,
    0xFFFF,
    0x10000,
    0x7FFFFFFF,
    0x80000000,
    0xFFFFFFF0,
    0xFFFFFFFF,
    1 << 32,
    (1 << 63) - 1,
    1 << 63,
    (1 << 64) - 16,
    (1 << 64) - 1,
)

WHEEL_TAGS = "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"
WHEEL_NAME = f"pkg-1.0-{WHEEL_TAGS}.whl"
ELF_MEMBER = f"pkg/ext_2_14{EXT_SUFFIX}"
DIST_INFO = "pkg-1.0.dist-info"
#: The bound on one audit; a hostile input must not make us take longer.
TIME_LIMIT_S = 5.0

_GiB = 1 << 30


class Expect(enum.Enum):
    """What auditing a sample must end in."""

    AUDIT = "audit"  # facts and verdicts
    ERROR = "error"  # exactly one ManylinuxError


class Unavailable(Exception):  # noqa: N818 - a condition, not a failure
    """The fixture or structure a case needs does not exist on this machine."""


@dataclass(frozen=True, slots=True)
class Sample:
    """A built case: what to write, under which name, and what must follow."""

    name: str
    data: bytes
    expect: Expect
    match: str = ""  # ERROR: text the message must contain (what is wrong)
    member: str | None = None  # ERROR: the wheel member the message must name
    same_facts_as: bytes | None = None  # AUDIT: pristine ELF bytes with equal facts
    check: Check | None = None  # AUDIT: a violation some verdict must contain


@dataclass(frozen=True, slots=True)
class Case:
    """One hostile input: a readable id, its kind, and how to build it."""

    id: str
    kind: Kind
    category: str
    make: Callable[[Fixtures, Path], Sample] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Field:
    """A patchable integer in a file: where it is and its struct format."""

    name: str
    offset: int
    fmt: str  # with byte order, e.g. "<I"

    @property
    def size(self) -> int:
        return struct.calcsize(self.fmt)

    def get(self, data: bytes) -> int:
        return int(struct.unpack_from(self.fmt, data, self.offset)[0])


def patch(data: bytes, *edits: tuple[Field, int]) -> bytes:
    """``data`` with each field set to its value, masked to the field's width."""
    out = bytearray(data)
    for f, value in edits:
        struct.pack_into(f.fmt, out, f.offset, value & ((1 << (8 * f.size)) - 1))
    return bytes(out)


def put(data: bytes, offset: int, raw: bytes) -> bytes:
    """``data`` with ``raw`` written at ``offset``."""
    return data[:offset] + raw + data[offset + len(raw) :]


# --------------------------------------------------------------------------
# ELF layout, found by parsing the fixture
# --------------------------------------------------------------------------

_Layout = dict[str, tuple[int, str]]

# name -> (offset in its structure, format char), for ELFCLASS32 / ELFCLASS64.
_EHDR: dict[int, _Layout] = {
    32: {
        "e_type": (0x10, "H"),
        "e_machine": (0x12, "H"),
        "e_phoff": (0x1C, "I"),
        "e_shoff": (0x20, "I"),
        "e_phentsize": (0x2A, "H"),
        "e_phnum": (0x2C, "H"),
        "e_shentsize": (0x2E, "H"),
        "e_shnum": (0x30, "H"),
        "e_shstrndx": (0x32, "H"),
    },
    64: {
        "e_type": (0x10, "H"),
        "e_machine": (0x12, "H"),
        "e_phoff": (0x20, "Q"),
        "e_shoff": (0x28, "Q"),
        "e_phentsize": (0x36, "H"),
        "e_phnum": (0x38, "H"),
        "e_shentsize": (0x3A, "H"),
        "e_shnum": (0x3C, "H"),
        "e_shstrndx": (0x3E, "H"),
    },
}
_PHDR: dict[int, _Layout] = {
    32: {
        "p_type": (0, "I"),
        "p_offset": (4, "I"),
        "p_vaddr": (8, "I"),
        "p_filesz": (16, "I"),
        "p_memsz": (20, "I"),
        "p_align": (28, "I"),
    },
    64: {
        "p_type": (0, "I"),
        "p_offset": (8, "Q"),
        "p_vaddr": (16, "Q"),
        "p_filesz": (32, "Q"),
        "p_memsz": (40, "Q"),
        "p_align": (48, "Q"),
    },
}
_SHDR: dict[int, _Layout] = {
    32: {
        "sh_type": (4, "I"),
        "sh_offset": (16, "I"),
        "sh_size": (20, "I"),
        "sh_link": (24, "I"),
        "sh_entsize": (36, "I"),
    },
    64: {
        "sh_type": (4, "I"),
        "sh_offset": (24, "Q"),
        "sh_size": (32, "Q"),
        "sh_link": (40, "I"),
        "sh_entsize": (56, "Q"),
    },
}
EI_CLASS, EI_DATA = 4, 5
EM_S390 = 22
PT_NULL, PT_LOAD, PT_DYNAMIC, PT_INTERP, PT_NOTE = 0, 1, 2, 3, 4
PT_GNU_PROPERTY = 0x6474E553
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SYMTAB, DT_STRSZ, DT_SYMENT, DT_DEBUG = 0, 1, 5, 6, 10, 11, 21
DT_RPATH, DT_RUNPATH = 15, 29
DT_HASH, DT_RELA, DT_RELAENT, DT_PLTREL, DT_JMPREL = 4, 7, 9, 20, 23
DT_GNU_HASH, DT_VERSYM, DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFEF5, 0x6FFFFFF0, 0x6FFFFFFE, 0x6FFFFFFF
UNMAPPED = 0x7EAD0000  # an address no fixture loads anything at


@dataclass(frozen=True, slots=True)
class Segment:
    """One program header: its values and its patchable fields."""

    type: int
    offset: int
    vaddr: int
    filesz: int
    f: dict[str, Field]


@dataclass(frozen=True, slots=True)
class Section:
    """One section header: its values and its patchable fields."""

    index: int
    offset: int
    size: int
    f: dict[str, Field]


@dataclass(frozen=True, slots=True)
class Dyn:
    """One ``Elf_Dyn`` entry."""

    tag: int
    value: int
    tag_f: Field
    value_f: Field


@dataclass(frozen=True, slots=True)
class Verneed:
    """One ``Elf_Verneed`` and the ``Elf_Vernaux`` entries it chains to."""

    offset: int
    f: dict[str, Field]
    aux: tuple[dict[str, Field], ...]


class ElfMap:
    """Where the structures of one ELF file are, for patching.

    pyelftools reads the header and names the sections; the rest is walked
    with :mod:`struct`, the way the loader walks it.
    """

    def __init__(self, data: bytes) -> None:
        self.data = data
        elf = ELFFile(io.BytesIO(data))
        self.bits = int(elf.elfclass)
        self.endian = "<" if elf.little_endian else ">"
        self.word = "Q" if self.bits == 64 else "I"
        self.header = self._fields(_EHDR, 0)
        self.ehsize = int(elf.header["e_ehsize"])
        phoff, phentsize = int(elf.header["e_phoff"]), int(elf.header["e_phentsize"])
        self.phdrs_end = phoff + phentsize * int(elf.header["e_phnum"])
        self.segments = []
        for i in range(int(elf.header["e_phnum"])):
            f = self._fields(_PHDR, phoff + i * phentsize)
            values = {name: fld.get(data) for name, fld in f.items()}
            self.segments.append(
                Segment(values["p_type"], values["p_offset"], values["p_vaddr"], values["p_filesz"], f)
            )
        shoff, shentsize = int(elf.header["e_shoff"]), int(elf.header["e_shentsize"])
        self.sections: dict[str, Section] = {}
        try:
            for i, sec in enumerate(elf.iter_sections()):
                f = self._fields(_SHDR, shoff + i * shentsize)
                self.sections[sec.name] = Section(i, int(sec.header["sh_offset"]), int(sec.header["sh_size"]), f)
        except Exception:  # noqa: BLE001 - a patched file may have no readable sections: none to patch
            self.sections.clear()
        #: Everything the loader maps or reads lies before this offset.
        self.loader_end = max([self.ehsize, self.phdrs_end] + [s.offset + s.filesz for s in self.segments if s.filesz])
        self.dynamic = self._dynamic()
        self.verneeds = self._verneeds()

    def _fields(self, layout: dict[int, _Layout], base: int) -> dict[str, Field]:
        return {name: Field(name, base + at, self.endian + fmt) for name, (at, fmt) in layout[self.bits].items()}

    @property
    def size(self) -> int:
        return len(self.data)

    def segment(self, ptype: int) -> Segment:
        """The first program header of a type (the one the loader uses)."""
        for s in self.segments:
            if s.type == ptype:
                return s
        raise Unavailable(f"no program header of type {ptype:#x}")

    def section(self, name: str) -> Section:
        try:
            return self.sections[name]
        except KeyError:
            raise Unavailable(f"no section {name}") from None

    def _dynamic(self) -> list[Dyn]:
        seg = next((s for s in self.segments if s.type == PT_DYNAMIC), None)
        if seg is None:
            return []
        step = 16 if self.bits == 64 else 8
        out = []
        for at in range(seg.offset, seg.offset + seg.filesz - step + 1, step):
            tag_f = Field("d_tag", at, self.endian + self.word)
            value_f = Field("d_val", at + step // 2, self.endian + self.word)
            out.append(Dyn(tag_f.get(self.data), value_f.get(self.data), tag_f, value_f))
        return out

    def dyn(self, tag: int) -> Dyn:
        """The first dynamic entry with ``tag``."""
        for d in self.dynamic:
            if d.tag == tag:
                return d
        raise Unavailable(f"no dynamic tag {tag:#x}")

    def file_offset(self, vaddr: int) -> int:
        for s in self.segments:
            if s.type == PT_LOAD and s.vaddr <= vaddr < s.vaddr + s.filesz:
                return vaddr - s.vaddr + s.offset
        raise Unavailable(f"address {vaddr:#x} is not loaded")

    def _verneeds(self) -> list[Verneed]:
        if not any(d.tag == DT_VERNEED for d in self.dynamic):
            return []
        pos = self.file_offset(self.dyn(DT_VERNEED).value)
        e, out = self.endian, []
        for _ in range(self.dyn(DT_VERNEEDNUM).value):
            f = {
                "vn_cnt": Field("vn_cnt", pos + 2, e + "H"),
                "vn_file": Field("vn_file", pos + 4, e + "I"),
                "vn_aux": Field("vn_aux", pos + 8, e + "I"),
                "vn_next": Field("vn_next", pos + 12, e + "I"),
            }
            aux: list[dict[str, Field]] = []
            at = pos + f["vn_aux"].get(self.data)
            for _ in range(f["vn_cnt"].get(self.data)):
                a = {
                    "vna_name": Field("vna_name", at + 8, e + "I"),
                    "vna_next": Field("vna_next", at + 12, e + "I"),
                }
                aux.append(a)
                at += a["vna_next"].get(self.data)
            out.append(Verneed(pos, f, tuple(aux)))
            pos += f["vn_next"].get(self.data)
        return out

    def dynstr(self) -> tuple[int, int]:
        """File offset and size of the dynamic string table."""
        return self.file_offset(self.dyn(DT_STRTAB).value), self.dyn(DT_STRSZ).value


def elf_fields(data: bytes) -> list[Field]:
    """Every integer the ELF reader trusts, for the fuzzers to splice values into.

    Empty when the bytes no longer parse: the fuzzers then fall back to bytes.
    """
    try:
        m = ElfMap(data)
    except Exception:  # noqa: BLE001 - any unparsable input simply has no fields
        return []
    found = [Field("ei_class", EI_CLASS, "B"), Field("ei_data", EI_DATA, "B")]
    found += m.header.values()
    for s in m.segments:
        found += s.f.values()
    for sec in m.sections.values():
        found += sec.f.values()
    for d in m.dynamic:
        found += (d.tag_f, d.value_f)
    for v in m.verneeds:
        found += v.f.values()
        for a in v.aux:
            found += a.values()
    for s in m.segments:
        if s.type in (PT_NOTE, PT_GNU_PROPERTY):
            found += (Field("n_namesz", s.offset, m.endian + "I"), Field("n_descsz", s.offset + 4, m.endian + "I"))
    return [f for f in found if f.offset + f.size <= len(data)]


# --------------------------------------------------------------------------
# Zip layout
# --------------------------------------------------------------------------

_EOCD = {
    "eocd_entries_disk": (8, "<H"),
    "eocd_entries": (10, "<H"),
    "eocd_cd_size": (12, "<I"),
    "eocd_cd_offset": (16, "<I"),
    "eocd_comment_len": (20, "<H"),
}
_CENTRAL = {
    "version_needed": (6, "<H"),
    "flags": (8, "<H"),
    "method": (10, "<H"),
    "crc": (16, "<I"),
    "compress_size": (20, "<I"),
    "file_size": (24, "<I"),
    "name_len": (28, "<H"),
    "extra_len": (30, "<H"),
    "comment_len": (32, "<H"),
    "disk": (34, "<H"),
    "external_attr": (38, "<I"),
    "local_offset": (42, "<I"),
}
_LOCAL = {
    "version_needed": (4, "<H"),
    "flags": (6, "<H"),
    "method": (8, "<H"),
    "crc": (14, "<I"),
    "compress_size": (18, "<I"),
    "file_size": (22, "<I"),
    "name_len": (26, "<H"),
    "extra_len": (28, "<H"),
}


@dataclass(frozen=True, slots=True)
class ZipEntry:
    """One member's central and local headers."""

    name: str
    central_at: int
    local_at: int
    central: dict[str, Field]
    local: dict[str, Field]

    @property
    def local_name_at(self) -> int:
        return self.local_at + 30


class ZipMap:
    """The end record, central directory and local headers of a zip."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.eocd_at = data.rfind(b"PK\x05\x06")
        if self.eocd_at < 0:
            raise Unavailable("no end of central directory record")
        self.eocd = {n: Field(n, self.eocd_at + at, fmt) for n, (at, fmt) in _EOCD.items()}
        self.cd_offset = self.eocd["eocd_cd_offset"].get(data)
        self.cd_size = self.eocd["eocd_cd_size"].get(data)
        self.entries: list[ZipEntry] = []
        pos = self.cd_offset
        while data[pos : pos + 4] == b"PK\x01\x02":
            central = {n: Field(f"central_{n}", pos + at, fmt) for n, (at, fmt) in _CENTRAL.items()}
            name_len = central["name_len"].get(data)
            name = data[pos + 46 : pos + 46 + name_len].decode("utf-8", "replace")
            local_at = central["local_offset"].get(data)
            local = {n: Field(f"local_{n}", local_at + at, fmt) for n, (at, fmt) in _LOCAL.items()}
            self.entries.append(ZipEntry(name, pos, local_at, central, local))
            pos += 46 + name_len + central["extra_len"].get(data) + central["comment_len"].get(data)

    def entry(self, name: str) -> ZipEntry:
        for e in self.entries:
            if e.name == name:
                return e
        raise Unavailable(f"no member {name}")


def zip_fields(data: bytes) -> list[Field]:
    """Every integer zipfile and the wheel reader trust, for the fuzzers."""
    try:
        z = ZipMap(data)
    except (Unavailable, struct.error):
        return []
    found = list(z.eocd.values())
    for e in z.entries:
        found += e.central.values()
        found += e.local.values()
    return [f for f in found if f.offset + f.size <= len(data)]


@dataclass(frozen=True, slots=True)
class RawMember:
    """A zip member written byte by byte, so its headers may lie."""

    name: bytes
    stored: bytes  # the bytes in the archive (already deflated when method == 8)
    method: int = 0
    crc: int = 0
    file_size: int = 0  # declared uncompressed size
    compress_size: int | None = None  # declared; default len(stored)
    flags: int = 0
    mode: int = stat.S_IFREG | 0o644
    zip64: bool = False
    local_name: bytes | None = None  # a different name in the local header
    local_offset: int | None = None  # point at another member's local header


def raw_member(
    name: str | bytes,
    plain: bytes,
    *,
    deflate: bool = True,
    crc: int | None = None,
    file_size: int | None = None,
    compress_size: int | None = None,
    flags: int = 0,
    mode: int = stat.S_IFREG | 0o644,
    zip64: bool = False,
) -> RawMember:
    """A member whose headers are truthful unless a keyword says otherwise."""
    # Like zipfile: a str name that is not ASCII is stored as UTF-8 and flagged so.
    utf8 = 0x800 if isinstance(name, str) and not name.isascii() else 0
    return RawMember(
        name.encode() if isinstance(name, str) else name,
        _deflate(plain) if deflate else plain,
        method=8 if deflate else 0,
        crc=zlib.crc32(plain) if crc is None else crc,
        file_size=len(plain) if file_size is None else file_size,
        compress_size=compress_size,
        flags=flags | utf8,
        mode=mode,
        zip64=zip64,
    )


def _deflate(plain: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(plain) + c.flush()


def raw_zip(members: Sequence[RawMember], *, prefix: bytes = b"", suffix: bytes = b"") -> bytes:
    """A zip whose every header field is what ``members`` say, true or not."""
    out = bytearray(prefix)
    central = bytearray()
    offsets: list[int] = []
    for m in members:
        offsets.append(len(out))
        csize = len(m.stored) if m.compress_size is None else m.compress_size
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if m.zip64 else (csize, m.file_size)
        extra = struct.pack("<HHQQ", 1, 16, m.file_size, csize) if m.zip64 else b""
        version = 45 if m.zip64 else 20
        local_name = m.name if m.local_name is None else m.local_name
        out += struct.pack(
            "<4sHHHHHIIIHH", b"PK\x03\x04", version, m.flags, m.method, 0, 0x21,
            m.crc, *sizes, len(local_name), len(extra),
        )  # fmt: skip
        out += local_name + extra + m.stored
    cd_offset = len(out)
    for m, at in zip(members, offsets, strict=True):
        csize = len(m.stored) if m.compress_size is None else m.compress_size
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if m.zip64 else (csize, m.file_size)
        extra = struct.pack("<HHQQ", 1, 16, m.file_size, csize) if m.zip64 else b""
        version = 45 if m.zip64 else 20
        local = at if m.local_offset is None else offsets[m.local_offset]
        central += struct.pack(
            "<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 0x0300 | version, version, m.flags, m.method,
            0, 0x21, m.crc, *sizes, len(m.name), len(extra), 0, 0, 0, m.mode << 16, local,
        )  # fmt: skip
        central += m.name + extra
    out += central
    out += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), cd_offset, 0)
    return bytes(out + suffix)


# --------------------------------------------------------------------------
# The shared property
# --------------------------------------------------------------------------


def check_outcome(path: Path) -> Audit | ManylinuxError:
    """Audit ``path`` and hold it to the rule; return the Audit or the error.

    Any other exception propagates (that is the bug the fuzzers look for).
    Also checked: the bound on time, one-line messages naming the input,
    and that the input was not modified.
    """
    before = hashlib.sha256(path.read_bytes()).digest()
    start = time.monotonic()
    try:
        result: Audit | ManylinuxError = audit(path)
    except ManylinuxError as e:
        result = e
    elapsed = time.monotonic() - start
    assert elapsed < TIME_LIMIT_S, f"{path.name}: {elapsed:.1f} s"
    if isinstance(result, ManylinuxError):
        message = str(result)
        assert len(message.splitlines()) == 1, f"not one line: {message!r}"
        assert shown(str(path)) in message, f"does not name {path}: {message!r}"
    assert hashlib.sha256(path.read_bytes()).digest() == before, "the input was modified"
    return result


def violations(result: Audit) -> set[Check]:
    """Every check that some verdict of the audit reports."""
    found = {v.check for v in result.tags}
    for verdict in (*result.verdicts, *result.declared):
        found |= {v.check for v in verdict.violations}
        for f in verdict.files:
            found |= {v.check for v in f.violations}
    return found


# --------------------------------------------------------------------------
# Mutations, shared by the hypothesis tests and fuzz_long.py
# --------------------------------------------------------------------------

MutationOp = Literal["flip", "byte", "truncate", "field", "splice", "copy"]
Mutation = tuple[MutationOp, int, int]


def mutate(data: bytes, fields: Sequence[Field], ops: Sequence[Mutation]) -> bytes:
    """Apply ``ops`` in order; positions and choices wrap, so any ints are valid.

    * ``flip``: xor the byte at ``a`` with ``b`` (never zero);
    * ``byte``: set the byte at ``a`` to ``b``;
    * ``truncate``: keep the first ``a`` bytes;
    * ``field``: set field ``a`` to a value chosen by ``b`` -- one of
      :data:`INTERESTING`, or near the file size, or near its old value;
    * ``splice``: copy the value of field ``a`` into field ``b``;
    * ``copy``: copy 16 bytes from ``a`` to ``b`` (moves a header into a table).
    """
    out = bytearray(data)
    for op, a, b in ops:
        if not out and op != "truncate":
            continue
        if op == "flip":
            out[a % len(out)] ^= b % 255 + 1
        elif op == "byte":
            out[a % len(out)] = b % 256
        elif op == "truncate":
            del out[a % (len(out) + 1) :]
        elif op == "copy":
            src, dst = a % len(out), b % len(out)
            chunk = out[src : src + 16]
            out[dst : dst + len(chunk)] = chunk
            del out[len(data) :]
        elif fields and op == "field":
            f = fields[a % len(fields)]
            if f.offset + f.size <= len(out):
                out[:] = patch(bytes(out), (f, _field_value(bytes(out), f, b)))
        elif fields:  # splice: one header field's value into another field
            source, target = fields[a % len(fields)], fields[b % len(fields)]
            if max(source.offset + source.size, target.offset + target.size) <= len(out):
                out[:] = patch(bytes(out), (target, source.get(bytes(out))))
    return bytes(out)


def _field_value(data: bytes, f: Field, choice: int) -> int:
    old = f.get(data) if f.offset + f.size <= len(data) else 0
    near = (len(data), len(data) - 1, len(data) + 1, old + 1, old - 1, old * 2, old ^ 0x80, -old)
    pool = INTERESTING + near
    return pool[choice % len(pool)]


# --------------------------------------------------------------------------
# ELF cases
# --------------------------------------------------------------------------


if TYPE_CHECKING:
    Recipe = Callable[[ElfMap], bytes]
    Offset = Callable[[ElfMap], int]


#: Committed cross-architecture binaries (tests/data/cross), named ``cross:FILE``.
CROSS_DIR = Path(__file__).resolve().parent / "data" / "cross"


def _fixture(fx: Fixtures, name: str) -> Path:
    if name.startswith("cross:"):
        return CROSS_DIR / name.removeprefix("cross:")
    path: object = getattr(fx, name)
    if path is None:
        raise Unavailable(f"fixture {name} was not built on this machine")
    if not isinstance(path, Path):
        raise TypeError(f"Fixtures.{name} is not a path")
    return path


def _elf(
    category: str,
    fixture: str,
    label: str,
    recipe: Recipe,
    expect: Expect,
    *,
    match: str = "",
    same: bool = False,
) -> Case:
    """A case patching one fixture; ``same``: facts must equal the pristine file's."""

    def make(fx: Fixtures, _scratch: Path) -> Sample:
        path = _fixture(fx, fixture)
        pristine = path.read_bytes()
        data = recipe(ElfMap(pristine))
        if data == pristine:
            raise AssertionError(f"{label}: the recipe changed nothing")
        return Sample(path.name, data, expect, match, same_facts_as=pristine if same else None)

    return Case(f"elf/{fixture}/{label}", "elf", category, make)


def _same(category: str, fixture: str, label: str, recipe: Recipe) -> Case:
    return _elf(category, fixture, label, recipe, Expect.AUDIT, same=True)


def _error(category: str, fixture: str, label: str, recipe: Recipe, match: str = "") -> Case:
    return _elf(category, fixture, label, recipe, Expect.ERROR, match=match)


def _audit(category: str, fixture: str, label: str, recipe: Recipe) -> Case:
    return _elf(category, fixture, label, recipe, Expect.AUDIT)


def _h(name: str, value: int | Offset) -> Recipe:
    """Set one ELF header field (to a value, or to a function of the map)."""

    def recipe(m: ElfMap) -> bytes:
        return patch(m.data, (m.header[name], value if isinstance(value, int) else value(m)))

    return recipe


def _ident(index: int, value: int | Offset) -> Recipe:
    def recipe(m: ElfMap) -> bytes:
        return put(m.data, index, bytes([value if isinstance(value, int) else value(m)]))

    return recipe


def _ph(ptype: int, name: str, value: int | Offset) -> Recipe:
    """Set one field of the first program header of ``ptype``."""

    def recipe(m: ElfMap) -> bytes:
        seg = m.segment(ptype)
        return patch(m.data, (seg.f[name], value if isinstance(value, int) else value(m)))

    return recipe


def _sh(section: str, name: str, value: int | Offset) -> Recipe:
    """Set one field of a section header."""

    def recipe(m: ElfMap) -> bytes:
        return patch(m.data, (m.section(section).f[name], value if isinstance(value, int) else value(m)))

    return recipe


def _dt(tag: int, value: int | Offset) -> Recipe:
    """Set the value of the first dynamic entry with ``tag``."""

    def recipe(m: ElfMap) -> bytes:
        return patch(m.data, (m.dyn(tag).value_f, value if isinstance(value, int) else value(m)))

    return recipe


def _both(*recipes: Recipe) -> Recipe:
    """Apply recipes one after the other (each re-parses the patched bytes)."""

    def recipe(m: ElfMap) -> bytes:
        data = m.data
        for r in recipes:
            data = r(ElfMap(data))
        return data

    return recipe


def _no_sections(m: ElfMap) -> bytes:
    """The loader's view only: no section headers to count ``.dynsym`` with."""
    return patch(m.data, (m.header["e_shoff"], 0), (m.header["e_shnum"], 0))


def _vn(index: int, name: str, value: int | Offset) -> Recipe:
    def recipe(m: ElfMap) -> bytes:
        if index >= len(m.verneeds):
            raise Unavailable(f"no verneed entry {index}")
        return patch(m.data, (m.verneeds[index].f[name], value if isinstance(value, int) else value(m)))

    return recipe


def _vna(index: int, aux: int, name: str, value: int | Offset) -> Recipe:
    def recipe(m: ElfMap) -> bytes:
        entries = m.verneeds[index].aux if index < len(m.verneeds) else ()
        if aux >= len(entries):
            raise Unavailable(f"no vernaux entry {index}.{aux}")
        return patch(m.data, (entries[aux][name], value if isinstance(value, int) else value(m)))

    return recipe


def _share_vernaux(m: ElfMap) -> bytes:
    """Point the first verneed's aux chain at the second one's vernaux (offsets are unsigned)."""
    if len(m.verneeds) < 2:
        raise Unavailable("needs two verneed entries")
    first, second = m.verneeds[0], m.verneeds[1]
    target = second.offset + second.f["vn_aux"].get(m.data)
    return patch(m.data, (first.f["vn_aux"], target - first.offset))


def _last_vernaux_next(value: int) -> Recipe:
    """Make the last vernaux of the first verneed chain on (bounded by a huge vn_cnt)."""

    def recipe(m: ElfMap) -> bytes:
        vn = m.verneeds[0]
        return patch(m.data, (vn.f["vn_cnt"], 0xFFFF), (vn.aux[-1]["vna_next"], value))

    return recipe


def _remove_dt_null(m: ElfMap) -> bytes:
    """Every DT_NULL (the terminator and the padding) becomes a harmless DT_DEBUG."""
    return patch(m.data, *((d.tag_f, DT_DEBUG) for d in m.dynamic if d.tag == DT_NULL))


def _dt_null_first(m: ElfMap) -> bytes:
    return patch(m.data, (m.dynamic[0].tag_f, DT_NULL))


def _dynstr_without_nul(m: ElfMap) -> bytes:
    at, size = m.dynstr()
    return put(m.data, at, m.data[at : at + size].replace(b"\0", b"A"))


def _dynstr_last_nul_dropped(m: ElfMap) -> bytes:
    """DT_STRSZ one short, so the last string (a version name) is unterminated."""
    _, size = m.dynstr()
    return patch(m.data, (m.dyn(DT_STRSZ).value_f, size - 1))


def _table_at_eof(tag: int) -> Recipe:
    """Cut the file at the end of its last segment and move a table to its last 2 bytes.

    The loader's view is intact, but the table (``count`` entries) runs past EOF.
    """

    def recipe(m: ElfMap) -> bytes:
        last = max((s for s in m.segments if s.type == PT_LOAD), key=lambda s: s.offset + s.filesz)
        data = patch(m.data, (m.dyn(tag).value_f, last.vaddr + last.filesz - 2))
        return data[: last.offset + last.filesz]

    return recipe


def append_loaded(m: ElfMap, blob: bytes) -> tuple[bytes, int, int]:
    """Append ``blob`` and stretch the last PT_LOAD over it, as a linker would place a table.

    Returns the bytes, the blob's file offset and its virtual address, so
    dynamic tags can point at it the way the loader finds tables.
    """
    last = max((s for s in m.segments if s.type == PT_LOAD), key=lambda s: s.offset + s.filesz)
    at = (m.size + 15) & ~15
    data = m.data + bytes(at - m.size) + blob
    grown = len(data) - last.offset
    return patch(data, (last.f["p_filesz"], grown), (last.f["p_memsz"], grown)), at, last.vaddr + at - last.offset


def _dyn_entry(m: ElfMap, tag: int, value: int) -> bytes:
    return struct.pack(m.endian + m.word * 2, tag, value)


def _replace_dynamic(m: ElfMap, entries: Sequence[tuple[int, int]]) -> bytes:
    """A new dynamic array (``entries`` then DT_NULL) appended and pointed at by PT_DYNAMIC."""
    blob = b"".join(_dyn_entry(m, tag, value) for tag, value in [*entries, (DT_NULL, 0)])
    data, at, vaddr = append_loaded(m, blob)
    dyn = ElfMap(data).segment(PT_DYNAMIC)
    return patch(data, (dyn.f["p_offset"], at), (dyn.f["p_vaddr"], vaddr), (dyn.f["p_filesz"], len(blob)))


def repeat_needed(times: int) -> Recipe:
    """The first DT_NEEDED ``times`` times (a 2.8 KB wheel printed 65,006 lines, issue 9)."""

    def recipe(m: ElfMap) -> bytes:
        entries = [(d.tag, d.value) for d in m.dynamic if d.tag != DT_NULL]
        first = m.dyn(DT_NEEDED)
        return _replace_dynamic(m, [(DT_NEEDED, first.value)] * (times - 1) + entries)

    return recipe


def flood_version_needs(count: int) -> Recipe:
    """The first Elf_Verneed chained to ``count`` (at most 0xFFFF) copies of its first Elf_Vernaux."""

    def recipe(m: ElfMap) -> bytes:
        need = m.verneeds[0]
        first = need.aux[0]
        name = first["vna_name"].get(m.data)
        fmt = m.endian + "IHHII"  # vna_hash, vna_flags, vna_other, vna_name, vna_next
        blob = b"".join(struct.pack(fmt, 0, 0, 2, name, 16 if i < count - 1 else 0) for i in range(count))
        data, at, _ = append_loaded(m, blob)
        return patch(data, (need.f["vn_cnt"], count), (need.f["vn_aux"], at - need.offset))

    return recipe


def flood_symbols(count: int, *, distinct: bool) -> Recipe:
    """A .dynsym of ``count`` undefined functions, counted by a new DT_HASH.

    With ``distinct`` every symbol gets its own name in a new .dynstr (the
    costly case: nothing to share); otherwise they all import the file's
    first DT_NEEDED name's neighbour, one string. .gnu.version is dropped so
    the table stands alone.
    """

    def recipe(m: ElfMap) -> bytes:
        strtab_at, strsz = m.dynstr()
        strings = bytearray(m.data[strtab_at : strtab_at + strsz])
        if distinct:
            offsets = []
            for i in range(count):
                offsets.append(len(strings))
                strings += b"f%x\0" % i
        else:
            offsets = [len(strings)] * count
            strings += b"flooded\0"
        sym = struct.Struct(m.endian + ("IBBHQQ" if m.bits == 64 else "IIIBBH"))
        info, first = 0x12, bytes(sym.size)  # STB_GLOBAL | STT_FUNC; entry 0 is STN_UNDEF
        if m.bits == 64:
            table = first + b"".join(sym.pack(o, info, 0, 0, 0, 0) for o in offsets[1:])
        else:
            table = first + b"".join(sym.pack(o, 0, 0, info, 0, 0) for o in offsets[1:])
        # Elf_Symndx is 8 bytes on 64-bit s390 (EM_S390 = 22), 4 elsewhere.
        wide = m.bits == 64 and m.header["e_machine"].get(m.data) == EM_S390
        word = struct.Struct(m.endian + ("Q" if wide else "I"))
        hashes = word.pack(1) + word.pack(count) + bytes(word.size * (count + 1))  # nbucket 1, nchain count
        blob = bytes(strings) + bytes(-len(strings) % 16)
        data, _, vaddr = append_loaded(m, blob + hashes + bytes(-len(hashes) % 16) + table)
        hash_vaddr = vaddr + len(blob)
        table_vaddr = hash_vaddr + len(hashes) + (-len(hashes) % 16)
        moved = {DT_STRTAB: vaddr, DT_STRSZ: len(strings), DT_SYMTAB: table_vaddr}
        dropped = (DT_NULL, DT_HASH, DT_GNU_HASH, DT_VERSYM)
        entries = [(d.tag, moved.get(d.tag, d.value)) for d in ElfMap(data).dynamic if d.tag not in dropped]
        return _replace_dynamic(ElfMap(data), [(DT_HASH, hash_vaddr), *entries])

    return recipe


def search_path(tag: int, value: bytes) -> Recipe:
    """The file's DT_RPATH or DT_RUNPATH (``tag``) set to ``value``, in a copy of .dynstr appended to the file.

    An RPATH of a million empty entries fits in a 2.2 KB wheel (issue 19);
    no linker command line takes one (the kernel caps an argument at 128 KiB).
    """

    def recipe(m: ElfMap) -> bytes:
        strtab_at, strsz = m.dynstr()
        strings = m.data[strtab_at : strtab_at + strsz] + value + b"\0"
        data, _, vaddr = append_loaded(m, strings)
        moved = {DT_STRTAB: vaddr, DT_STRSZ: len(strings), tag: strsz}
        entries = [(d.tag, moved.get(d.tag, d.value)) for d in ElfMap(data).dynamic if d.tag != DT_NULL]
        if all(t != tag for t, _ in entries):
            entries.append((tag, strsz))
        return _replace_dynamic(ElfMap(data), entries)

    return recipe


def _relocation_type(value: int) -> Recipe:
    """Set the type of the first PLT relocation (Elf64_Rela, little-endian: type in r_info's low word)."""

    def recipe(m: ElfMap) -> bytes:
        at = m.file_offset(m.dyn(DT_JMPREL).value)
        return patch(m.data, (Field("r_type", at + 8, m.endian + "I"), value))

    return recipe


def _retag(tag: int, new: int) -> Recipe:
    def recipe(m: ElfMap) -> bytes:
        return patch(m.data, (m.dyn(tag).tag_f, new))

    return recipe


def _interp_without_nul(m: ElfMap) -> bytes:
    seg = m.segment(PT_INTERP)
    return put(m.data, seg.offset + seg.filesz - 1, b"/")


def _note(field_index: int, value: int) -> Recipe:
    """Set n_namesz (0) or n_descsz (1) of the first note of every note segment."""

    def recipe(m: ElfMap) -> bytes:
        notes = [s for s in m.segments if s.type in (PT_NOTE, PT_GNU_PROPERTY)]
        if not notes:
            raise Unavailable("no note segment")
        return patch(m.data, *((Field("n", s.offset + 4 * field_index, m.endian + "I"), value) for s in notes))

    return recipe


def _gnu_property_size(m: ElfMap) -> bytes:
    """pr_datasz of the first GNU property runs far past its note."""
    seg = m.segment(PT_GNU_PROPERTY)
    namesz = Field("n", seg.offset, m.endian + "I").get(m.data)
    desc = seg.offset + 12 + (namesz + 3) // 4 * 4
    return patch(m.data, (Field("pr_datasz", desc + 4, m.endian + "I"), 0xFFFFFFF0))


def _gnu_hash(index: int, value: int) -> Recipe:
    """Set word ``index`` of the DT_GNU_HASH header (nbuckets, symoffset, bloom_size)."""

    def recipe(m: ElfMap) -> bytes:
        at = m.file_offset(m.dyn(DT_GNU_HASH).value)
        return patch(m.data, (Field("gnu_hash", at + 4 * index, m.endian + "I"), value))

    return recipe


def _swap_class(m: ElfMap) -> bytes:
    return put(m.data, EI_CLASS, b"\x01" if m.bits == 64 else b"\x02")


def _swap_data(m: ElfMap) -> bytes:
    return put(m.data, EI_DATA, b"\x02" if m.endian == "<" else b"\x01")


def _index_of(section: str) -> Offset:
    return lambda m: m.section(section).index


def _one_more(field: str) -> Offset:
    return lambda m: m.header[field].get(m.data) + 1


def _size(m: ElfMap) -> int:
    return m.size


def _twice_size(m: ElfMap) -> int:
    return 2 * m.size


def _huge(m: ElfMap) -> int:
    return (1 << m.bits) - 16


def _strsz_plus(extra: int) -> Offset:
    return lambda m: m.dynstr()[1] + extra


def _twelfths(k: int) -> Offset:
    """``k``/12 of the way from the program headers to the end of the loader's view."""
    return lambda m: m.phdrs_end + (m.loader_end - m.phdrs_end) * k // 12


def _at(offset: int) -> Offset:
    return lambda _m: offset


# Where to cut a file: label -> offset. Static labels keep the ids stable.
_CUTS: tuple[tuple[str, Offset], ...] = (
    ("empty", _at(0)),
    ("1-byte", _at(1)),
    ("3-bytes", _at(3)),
    ("magic-only", _at(4)),
    ("5-bytes", _at(5)),
    ("15-bytes", _at(15)),
    ("e_ident-only", _at(16)),
    ("17-bytes", _at(17)),
    ("ehdr-minus-1", lambda m: m.ehsize - 1),
    ("ehdr-only", lambda m: m.ehsize),
    ("mid-phdr-table", lambda m: (m.ehsize + m.phdrs_end) // 2),
    ("phdrs-minus-1", lambda m: m.phdrs_end - 1),
    ("phdrs-only", lambda m: m.phdrs_end),
    *((f"segments-{k}of12", _twelfths(k)) for k in range(1, 12)),
    ("loader-end-minus-1", lambda m: m.loader_end - 1),
    ("loader-end", lambda m: m.loader_end),
    ("loader-end-plus-1", lambda m: m.loader_end + 1),
    ("mid-tail", lambda m: (m.loader_end + m.size) // 2),
    ("last-byte", lambda m: m.size - 1),
)


def _cut(fixture: str, label: str, where: Offset) -> Case:
    """Truncation: an error inside the loader's view, the same facts past it."""

    def make(fx: Fixtures, _scratch: Path) -> Sample:
        path = _fixture(fx, fixture)
        pristine = path.read_bytes()
        m = ElfMap(pristine)
        at = where(m)
        data = pristine[:at]
        if at < len(b"\x7fELF"):
            # Without the magic it is not recognised as ELF, so it is read as a zip.
            return Sample(path.name, data, Expect.ERROR, "zip")
        if at < 16:
            return Sample(path.name, data, Expect.ERROR, "too short")
        if at < m.loader_end:
            return Sample(path.name, data, Expect.ERROR, "end of the file" if at >= m.ehsize else "")
        return Sample(path.name, data, Expect.AUDIT, same_facts_as=pristine)

    return Case(f"elf/{fixture}/truncated-{label}", "elf", "elf: truncated", make)


_TRUNCATED = ("ext_2_14", "ext_libm", "ext_isa_v3", "exe_glibc", "exe_static", "ext_i686")


def _truncations() -> list[Case]:
    return [_cut(fixture, label, where) for fixture in _TRUNCATED for label, where in _CUTS]


def _identity_cases(fx: str) -> list[Case]:
    c = "elf: class/endianness"
    return [
        _error(c, fx, "ei_class-0", _ident(EI_CLASS, 0), "EI_CLASS"),
        _error(c, fx, "ei_class-3", _ident(EI_CLASS, 3), "EI_CLASS"),
        _error(c, fx, "ei_class-ff", _ident(EI_CLASS, 0xFF), "EI_CLASS"),
        _error(c, fx, "ei_data-0", _ident(EI_DATA, 0), "EI_DATA"),
        _error(c, fx, "ei_data-3", _ident(EI_DATA, 3), "EI_DATA"),
        _elf(c, fx, "class-swapped", _swap_class, SWAPPED[fx, "class"]),
        _elf(c, fx, "endianness-swapped", _swap_data, SWAPPED[fx, "data"]),
        _elf(c, fx, "class-and-endianness-swapped", _both(_swap_class, _swap_data), SWAPPED[fx, "both"]),
    ]


# What a file read with the wrong word size or byte order gives: the ELF header
# is still parseable, so the outcome depends on where the misread fields point.
# Decided per fixture from its layout (see the comments) and pinned here.
SWAPPED: dict[tuple[str, str], Expect] = {
    # 64-bit read as 32-bit: e_phoff becomes the high half of e_entry, i.e. 0,
    # so there are no program headers: facts with an arch problem.
    ("ext_2_14", "class"): Expect.AUDIT,
    ("exe_glibc", "class"): Expect.AUDIT,
    # Byte-swapped e_phoff (0x40 -> 0x4000000000000000) lies past the end.
    ("ext_2_14", "data"): Expect.ERROR,
    ("exe_glibc", "data"): Expect.ERROR,
    # 32-bit big-endian e_phoff of a 64-bit file: the high half of e_entry, 0.
    ("ext_2_14", "both"): Expect.AUDIT,
    ("exe_glibc", "both"): Expect.AUDIT,
    # 32-bit read as 64-bit: e_phoff is e_shoff:e_flags (flags 0), so the section
    # headers are read as program headers; none is PT_LOAD/PT_DYNAMIC: facts.
    ("ext_i686", "class"): Expect.AUDIT,
    ("ext_i686", "data"): Expect.ERROR,
    # 32-bit little-endian read as 64-bit big-endian: e_phnum lands on the zero
    # high half of the first p_offset, so there are no program headers: facts.
    ("ext_i686", "both"): Expect.AUDIT,
}


def _header_cases(fx: str) -> list[Case]:
    c = "elf: header fields"
    s = "elf: section headers"
    return [
        _error(c, fx, "e_phoff-eof", _h("e_phoff", _size), "program header table"),
        _error(c, fx, "e_phoff-eof-minus-1", _h("e_phoff", lambda m: m.size - 1), "program header table"),
        _error(c, fx, "e_phoff-huge", _h("e_phoff", _huge), "program header table"),
        _error(c, fx, "e_phoff-all-ones", _h("e_phoff", -1), "program header table"),
        _audit(c, fx, "e_phoff-zero", _h("e_phoff", 0)),
        _error(c, fx, "e_phnum-ffff", _h("e_phnum", 0xFFFF), "program header table"),
        _audit(c, fx, "e_phnum-zero", _h("e_phnum", 0)),
        _error(c, fx, "e_phentsize-zero", _h("e_phentsize", 0), "e_phentsize"),
        _error(c, fx, "e_phentsize-1", _h("e_phentsize", 1), "e_phentsize"),
        _error(c, fx, "e_phentsize-ffff", _h("e_phentsize", 0xFFFF), "e_phentsize"),
        _error(c, fx, "e_phentsize-one-more", _h("e_phentsize", _one_more("e_phentsize")), "e_phentsize"),
        _audit(c, fx, "e_machine-unknown", _h("e_machine", 0xBEEF)),
        _audit(c, fx, "e_type-unknown", _h("e_type", 0xFEFF)),
        _same(s, fx, "e_shoff-eof", _h("e_shoff", _size)),
        _same(s, fx, "e_shoff-huge", _h("e_shoff", _huge)),
        _same(s, fx, "e_shoff-1", _h("e_shoff", 1)),
        _same(s, fx, "e_shoff-zero", _h("e_shoff", 0)),
        _same(s, fx, "e_shnum-ffff", _h("e_shnum", 0xFFFF)),
        _same(s, fx, "e_shnum-zero", _h("e_shnum", 0)),
        _same(s, fx, "e_shnum-1", _h("e_shnum", 1)),
        _same(s, fx, "e_shentsize-zero", _h("e_shentsize", 0)),
        _same(s, fx, "e_shentsize-1", _h("e_shentsize", 1)),
        _same(s, fx, "e_shentsize-ffff", _h("e_shentsize", 0xFFFF)),
        _same(s, fx, "e_shstrndx-ffff", _h("e_shstrndx", 0xFFFF)),
        _same(s, fx, "e_shstrndx-e_shnum", _h("e_shstrndx", lambda m: m.header["e_shnum"].get(m.data))),
    ]


_TABLE_SECTIONS = (".dynsym", ".dynstr", ".gnu.version", ".gnu.version_r", ".dynamic", ".gnu.hash")


def _section_cases(fx: str) -> list[Case]:
    c = "elf: section headers"
    out: list[Case] = []
    for name in (*_TABLE_SECTIONS, ".shstrtab", ".text"):
        out += [
            _same(c, fx, f"{name}-sh_offset-eof", _sh(name, "sh_offset", lambda m: m.size + 0x1000)),
            _same(c, fx, f"{name}-sh_offset-huge", _sh(name, "sh_offset", _huge)),
            _same(c, fx, f"{name}-sh_size-huge", _sh(name, "sh_size", _huge)),
            _same(c, fx, f"{name}-sh_size-past-eof", _sh(name, "sh_size", _twice_size)),
        ]
    for name in (".dynsym", ".gnu.version", ".gnu.version_r", ".dynamic", ".gnu.hash"):
        out += [
            _same(c, fx, f"{name}-sh_link-ffff", _sh(name, "sh_link", 0xFFFF)),
            _same(c, fx, f"{name}-sh_link-self", _sh(name, "sh_link", _index_of(name))),
            _same(c, fx, f"{name}-sh_link-huge", _sh(name, "sh_link", 0xFFFFFFFF)),
        ]
    out += [
        _same(c, fx, ".dynsym-sh_entsize-zero", _sh(".dynsym", "sh_entsize", 0)),
        _same(c, fx, ".dynsym-sh_entsize-1", _sh(".dynsym", "sh_entsize", 1)),
        _same(c, fx, ".dynsym-sh_type-null", _sh(".dynsym", "sh_type", 0)),
        _same(c, fx, ".gnu.version-sh_size-shorter-than-dynsym", _sh(".gnu.version", "sh_size", 2)),
    ]
    return out


def _segment_cases(fx: str) -> list[Case]:
    c = "elf: program headers"
    return [
        _error(c, fx, "pt_load-offset-eof", _ph(PT_LOAD, "p_offset", _size), "PT_LOAD"),
        _error(c, fx, "pt_load-filesz-past-eof", _ph(PT_LOAD, "p_filesz", _twice_size), "PT_LOAD"),
        _error(c, fx, "pt_load-filesz-huge", _ph(PT_LOAD, "p_filesz", _huge), "PT_LOAD"),
        _error(c, fx, "pt_load-vaddr-moved", _ph(PT_LOAD, "p_vaddr", 0x10000000), "not in any loaded segment"),
        _error(c, fx, "pt_dynamic-offset-eof", _ph(PT_DYNAMIC, "p_offset", _size), "PT_DYNAMIC"),
        _error(c, fx, "pt_dynamic-offset-huge", _ph(PT_DYNAMIC, "p_offset", _huge), "PT_DYNAMIC"),
        _same(c, fx, "pt_dynamic-filesz-huge", _ph(PT_DYNAMIC, "p_filesz", _huge)),
        _audit(c, fx, "pt_dynamic-filesz-zero", _ph(PT_DYNAMIC, "p_filesz", 0)),
        # The shape objcopy --only-keep-debug leaves: no dynamic bytes, offset past EOF.
        _audit(
            c,
            fx,
            "pt_dynamic-empty-past-eof-debug-file",
            _both(_ph(PT_DYNAMIC, "p_filesz", 0), _ph(PT_DYNAMIC, "p_offset", lambda m: m.size + 0x100)),
        ),
        _audit(c, fx, "pt_dynamic-type-null", _ph(PT_DYNAMIC, "p_type", PT_NULL)),
    ]


def _dynamic_cases(fx: str) -> list[Case]:
    c = "elf: dynamic section"
    st = "elf: string tables"
    return [
        _same(c, fx, "dynamic-without-dt_null", _remove_dt_null),
        _audit(c, fx, "dynamic-dt_null-first", _dt_null_first),
        _error(c, fx, "dt_strtab-unmapped", _dt(DT_STRTAB, UNMAPPED), "DT_STRTAB"),
        _error(c, fx, "dt_strtab-huge", _dt(DT_STRTAB, _huge), "DT_STRTAB"),
        _error(c, fx, "dt_strsz-past-eof", _dt(DT_STRSZ, _twice_size), "end of the file"),
        _error(c, fx, "dt_strsz-huge", _dt(DT_STRSZ, _huge), "end of the file"),
        _error(c, fx, "dt_strsz-zero", _dt(DT_STRSZ, 0), "outside the string table"),
        _error(c, fx, "dt_needed-past-strtab", _dt(DT_NEEDED, _strsz_plus(100)), "outside the string table"),
        _error(c, fx, "dt_needed-huge", _dt(DT_NEEDED, 0xFFFFFFFF), "outside the string table"),
        _error(c, fx, "dt_syment-1", _dt(DT_SYMENT, 1), "DT_SYMENT"),
        _error(c, fx, "dt_symtab-unmapped", _dt(DT_SYMTAB, UNMAPPED), "DT_SYMTAB"),
        _error(c, fx, "dynsym-runs-past-eof", _table_at_eof(DT_SYMTAB), ".dynsym of"),
        # .gnu.version shorter than .dynsym, as far as the file goes.
        _error(c, fx, "versym-runs-past-eof", _table_at_eof(DT_VERSYM), "DT_VERSYM table"),
        _error(c, fx, "dt_versym-unmapped", _dt(DT_VERSYM, UNMAPPED), "DT_VERSYM"),
        _error(c, fx, "dt_verneed-unmapped", _dt(DT_VERNEED, UNMAPPED), "DT_VERNEED"),
        _same(c, fx, "dt_gnu_hash-unmapped-with-sections", _dt(DT_GNU_HASH, UNMAPPED)),
        _same(c, fx, "no-section-headers", _no_sections),
        _error(
            c, fx, "dt_gnu_hash-unmapped-no-sections", _both(_no_sections, _dt(DT_GNU_HASH, UNMAPPED)), "DT_GNU_HASH"
        ),
        _error(
            c, fx, "gnu_hash-nbuckets-huge-no-sections", _both(_no_sections, _gnu_hash(0, 0xFFFFFFFF)), "DT_GNU_HASH"
        ),
        _error(c, fx, "gnu_hash-bloom-huge-no-sections", _both(_no_sections, _gnu_hash(2, 0xFFFFFFFF)), "DT_GNU_HASH"),
        _error(st, fx, "dynstr-without-nul", _dynstr_without_nul, "NUL"),
        _error(st, fx, "dynstr-last-nul-cut-off", _dynstr_last_nul_dropped, "NUL"),
    ]


def _loader_cases(fx: str) -> list[Case]:
    """What ld.so refuses to map (glibc elf/dl-load.c, get-dynamic-info.h)."""
    c = "elf: refused by ld.so"
    return [
        _error(c, fx, "pt_load-p_align-16", _ph(PT_LOAD, "p_align", 16), "p_align"),
        _error(c, fx, "pt_load-p_align-page-plus-one", _ph(PT_LOAD, "p_align", 0x1001), "p_align"),
        _error(c, fx, "pt_load-vaddr-off-by-16", _ph(PT_LOAD, "p_vaddr", 16), "page size"),
        _error(
            c,
            fx,
            "pt_load-p_align-zero-vaddr-differs",
            _both(_ph(PT_LOAD, "p_align", 0), _ph(PT_LOAD, "p_vaddr", 0x10000)),
            "p_align",
        ),
        _error(c, fx, "dt_pltrel-symbolic", _dt(DT_PLTREL, 16), "DT_PLTREL"),
    ]


def _absurd_cases(fx: str) -> list[Case]:
    """Counts far past any real file, in a small file (issue 9)."""
    a = "elf: absurd tables"
    return [
        _same(a, fx, "dt_needed-repeated-3-times", repeat_needed(3)),
        _error(a, fx, "dt_needed-repeated-past-the-limit", repeat_needed(1001), "DT_NEEDED entries"),
        _error(a, fx, "dt_needed-repeated-65000-times", repeat_needed(65000), "DT_NEEDED entries"),
        _error(a, fx, "version-needs-past-the-limit", flood_version_needs(10_001), "version-need entries"),
        _error(a, fx, "symbols-past-the-limit", flood_symbols(1_000_001, distinct=False), "symbols"),
    ]


def _version_cases(fx: str) -> list[Case]:
    c = "elf: symbol versions"
    return [
        _error(c, fx, "dt_verneednum-huge", _dt(DT_VERNEEDNUM, 0xFFFFFFFF), "DT_VERNEEDNUM"),
        _audit(c, fx, "dt_verneednum-zero", _dt(DT_VERNEEDNUM, 0)),
        _same(c, fx, "dt_verneednum-ffff-chain-ends", _dt(DT_VERNEEDNUM, 0xFFFF)),
        _same(c, fx, "dt_verneednum-one-too-many", _dt(DT_VERNEEDNUM, lambda m: len(m.verneeds) + 1)),
        _error(c, fx, "vn_aux-zero-points-at-itself", _vn(0, "vn_aux", 0), "revisits"),
        _same(c, fx, "vn_cnt-ffff-chain-ends", _vn(0, "vn_cnt", 0xFFFF)),
        _error(c, fx, "vn_file-huge", _vn(0, "vn_file", 0xFFFFFFFF), "vn_file"),
        _error(c, fx, "vna_name-past-strtab", _vna(0, 0, "vna_name", _strsz_plus(0)), "vna_name"),
        _error(c, fx, "vna_next-cycles-back", _last_vernaux_next(0xFFFFFFF0), "end of the file"),
        _audit(c, fx, "dt_versym-at-elf-header", _dt(DT_VERSYM, lambda m: m.segment(PT_LOAD).vaddr)),
    ]


def _chain_cases(fx: str) -> list[Case]:
    """Cases that need two verneed entries (a file needing two libraries)."""
    c = "elf: symbol versions"
    return [
        _error(c, fx, "vn_next-cycles-back", _vn(0, "vn_next", 0xFFFFFFF0), "end of the file"),
        _audit(c, fx, "vn_next-zero-ends-chain-early", _vn(0, "vn_next", 0)),
        _error(c, fx, "two-verneeds-share-vernaux", _share_vernaux, "revisits"),
        _error(c, fx, "vn_next-points-into-own-vernaux", _vn(0, "vn_next", 0x10), "revisits"),
    ]


def _note_cases(fx: str, *, holds_isa: bool) -> list[Case]:
    """Bogus note sizes end the note walk: no ISA level, like stale patchelf'd notes.

    The segment itself must still lie inside the file.
    """
    c = "elf: notes"

    def bogus(label: str, recipe: Recipe) -> Case:
        # Only the ISA level can change, and only where a property note held one.
        return _audit(c, fx, label, recipe) if holds_isa else _same(c, fx, label, recipe)

    return [
        bogus("note-namesz-huge", _note(0, 0xFFFFFFFF)),
        bogus("note-descsz-huge", _note(1, 0xFFFFFFF0)),
        bogus("note-descsz-one-past", _note(1, 0x15)),
        _error(c, fx, "pt_note-offset-eof", _ph(PT_NOTE, "p_offset", _size), "note segment"),
        _error(c, fx, "pt_note-filesz-past-eof", _ph(PT_NOTE, "p_filesz", _twice_size), "note segment"),
    ]


def _elf_cases() -> list[Case]:
    out = _truncations()
    for fx in ("ext_2_14", "exe_glibc", "ext_i686"):
        out += _identity_cases(fx)
    for fx in ("ext_2_14", "ext_i686"):
        out += _header_cases(fx) + _section_cases(fx)
    for fx in ("ext_2_14", "ext_libm", "ext_i686"):
        out += _segment_cases(fx) + _dynamic_cases(fx)
    for fx in ("ext_2_14", "ext_libm"):
        out += _version_cases(fx)
    out += _chain_cases("ext_libm")
    for fx in ("ext_2_14", "ext_i686", "cross:crossmod-s390x.so"):
        out += _loader_cases(fx) + _absurd_cases(fx)
    # Big-endian: the same recipes on s390x, whose DT_HASH words are 8 bytes.
    # (_dynamic_cases break DT_GNU_HASH expecting no other hash table: sysv only.)
    out += _segment_cases("cross:crossmod-s390x.so") + _version_cases("cross:crossmod-s390x.so")
    fx = "cross:crossmod-s390x-sysv.so"
    out += _segment_cases(fx) + _dynamic_cases(fx) + _version_cases(fx) + _loader_cases(fx) + _absurd_cases(fx)
    c = "elf: refused by ld.so"
    out += [
        _error(c, "ext_weak", "dt_relaent-16", _dt(DT_RELAENT, 16), "DT_RELA entries"),
        _error(c, "ext_weak", "dt_rela-without-relaent", _retag(DT_RELAENT, DT_DEBUG), "DT_RELA entries"),
        _error(c, "ext_2_14", "relocation-type-unknown", _relocation_type(0x7F), "relocation type 127"),
        _error(c, "ext_2_14", "relocation-type-huge", _relocation_type(0xFFFFFFFF), "relocation type"),
        _same(c, "ext_2_14", "relocation-type-glob-dat", _relocation_type(6)),
        _error(c, "cross:crossmod-aarch64.so", "relocation-type-unknown", _relocation_type(0x7F), "type 127"),
        _same(c, "cross:crossmod-aarch64.so", "relocation-type-glob-dat", _relocation_type(1025)),
    ]
    out += _note_cases("ext_isa_v3", holds_isa=True) + _note_cases("ext_2_14", holds_isa=False)
    c = "elf: notes"
    out += [
        _error(c, "ext_isa_v3", "gnu-property-datasz-huge", _gnu_property_size, "property"),
        # 32-bit x86 has no ISA levels: its notes are never read.
        _same(c, "ext_i686", "note-namesz-huge-unread", _note(0, 0xFFFFFFFF)),
    ]
    c = "elf: program headers"
    out += [
        _error(c, "exe_glibc", "pt_interp-offset-eof", _ph(PT_INTERP, "p_offset", _size), "PT_INTERP"),
        _same(c, "exe_glibc", "pt_interp-filesz-huge", _ph(PT_INTERP, "p_filesz", 0x7FFFFFFF)),
        _audit(c, "exe_glibc", "pt_interp-filesz-zero", _ph(PT_INTERP, "p_filesz", 0)),
        _audit(c, "exe_glibc", "pt_interp-without-nul", _interp_without_nul),
        _error(c, "exe_static", "pt_load-filesz-past-eof", _ph(PT_LOAD, "p_filesz", _twice_size), "PT_LOAD"),
    ]
    return out


# --------------------------------------------------------------------------
# Wheel cases
# --------------------------------------------------------------------------

if TYPE_CHECKING:
    Build = Callable[[Fixtures, Path], bytes]
    ZipRecipe = Callable[[ZipMap], bytes]


def build_seed_wheel(fx: Fixtures, out_dir: Path) -> Path:
    """The wheel every zip case starts from: one real extension, RECORD, WHEEL."""
    return make_wheel(
        out_dir,
        name="pkg",
        version="1.0",
        tags=WHEEL_TAGS,
        files={ELF_MEMBER: fx.ext_2_14, "pkg/__init__.py": b""},
    )


def _wheel(
    category: str,
    label: str,
    build: Build,
    expect: Expect,
    match: str = "",
    *,
    member: str | None = None,
    check: Check | None = None,
    name: str = WHEEL_NAME,
) -> Case:
    def make(fx: Fixtures, scratch: Path) -> Sample:
        return Sample(name, build(fx, scratch), expect, match, member, check=check)

    return Case(f"wheel/{label}", "wheel", category, make)


def _seed(fx: Fixtures, scratch: Path) -> bytes:
    return build_seed_wheel(fx, scratch).read_bytes()


def _on_seed(recipe: ZipRecipe) -> Build:
    def build(fx: Fixtures, scratch: Path) -> bytes:
        return recipe(ZipMap(_seed(fx, scratch)))

    return build


def _const(data: bytes) -> Build:
    return lambda _fx, _scratch: data


def _central(member: str, name: str, value: int | Callable[[ZipMap], int]) -> ZipRecipe:
    """Set a central-directory field of ``member``."""

    def recipe(z: ZipMap) -> bytes:
        return patch(z.data, (z.entry(member).central[name], value if isinstance(value, int) else value(z)))

    return recipe


def _both_headers(member: str, name: str, value: int) -> ZipRecipe:
    """Set a field in both the central and the local header (they agree, and lie)."""

    def recipe(z: ZipMap) -> bytes:
        e = z.entry(member)
        return patch(z.data, (e.central[name], value), (e.local[name], value))

    return recipe


def _local(member: str, name: str, value: int) -> ZipRecipe:
    def recipe(z: ZipMap) -> bytes:
        return patch(z.data, (z.entry(member).local[name], value))

    return recipe


def _eocd(name: str, value: int | Callable[[ZipMap], int]) -> ZipRecipe:
    def recipe(z: ZipMap) -> bytes:
        return patch(z.data, (z.eocd[name], value if isinstance(value, int) else value(z)))

    return recipe


def _eighths(k: int) -> Callable[[ZipMap], int]:
    return lambda z: len(z.data) * k // 8


def _zcut(where: Callable[[ZipMap], int]) -> ZipRecipe:
    return lambda z: z.data[: where(z)]


def _local_signature(z: ZipMap) -> bytes:
    return put(z.data, z.entry(ELF_MEMBER).local_at, b"PK\x07\x08")


def _local_name_not_utf8(member: str) -> ZipRecipe:
    """The local header flags its name as UTF-8, and the name is not (the central one is fine)."""

    def recipe(z: ZipMap) -> bytes:
        e = z.entry(member)
        data = patch(z.data, (e.local["flags"], e.local["flags"].get(z.data) | 0x800))
        return put(data, e.local_name_at + len(member) - 1, b"\xff")

    return recipe


def _local_name_differs(z: ZipMap) -> bytes:
    at = z.entry(ELF_MEMBER).local_name_at + len("pkg/")
    return put(z.data, at, b"X")


def _record_for(names: Sequence[str]) -> bytes:
    return "".join(f"{n},,\n" for n in names).encode()


def _elf_bytes(fx: Fixtures) -> bytes:
    return fx.ext_2_14.read_bytes()


def _wheel_of(
    fx: Fixtures,
    extra: Sequence[RawMember] = (),
    *,
    elf: bool = True,
    record: bool = True,
    wheel: bool = True,
) -> list[RawMember]:
    """The members of a plain wheel, written raw, plus ``extra``."""
    members = [raw_member(ELF_MEMBER, _elf_bytes(fx))] if elf else []
    members += extra
    if wheel:
        tags = "".join(f"Tag: cp311-cp311-{p}\n" for p in WHEEL_TAGS.split("-")[2].split("."))
        members.append(raw_member(f"{DIST_INFO}/WHEEL", f"Wheel-Version: 1.0\n{tags}".encode()))
    if record:
        names = [m.name.decode("utf-8", "replace") for m in members] + [f"{DIST_INFO}/RECORD"]
        members.append(raw_member(f"{DIST_INFO}/RECORD", _record_for(names)))
    return members


def _raw(extra: Callable[[Fixtures], Sequence[RawMember]], **kw: bool) -> Build:
    return lambda fx, _scratch: raw_zip(_wheel_of(fx, extra(fx), **kw))


def _named(name: str | bytes, *, elf: bool = False, mode: int = stat.S_IFREG | 0o644) -> Build:
    """A wheel with one extra member called ``name`` (ELF content or text)."""

    def extra(fx: Fixtures) -> list[RawMember]:
        return [raw_member(name, _elf_bytes(fx) if elf else b"hello\n", mode=mode)]

    return _raw(extra)


def _with_flag(flag: int, target: str = ELF_MEMBER) -> Build:
    return _on_seed(_central(target, "flags", flag))


def _lzma_bad_properties(fx: Fixtures, _scratch: Path) -> bytes:
    """A real LZMA member (method 14) whose filter properties are garbage."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_LZMA) as zf:
        zf.writestr(zipfile.ZipInfo(ELF_MEMBER, (1980, 1, 1, 0, 0, 0)), _elf_bytes(fx), zipfile.ZIP_LZMA)
    z = ZipMap(buf.getvalue())
    e = z.entry(ELF_MEMBER)
    data_at = e.local_name_at + len(ELF_MEMBER) + e.local["extra_len"].get(z.data)
    # [version:2][props size:2][props:5]: lc/lp/pb byte 0xFF is out of range.
    return put(z.data, data_at + 4, b"\xff\xff\xff\xff\xff")


def _duplicate(name: str) -> Build:
    def extra(fx: Fixtures) -> list[RawMember]:
        return [raw_member(name, _elf_bytes(fx) if name == ELF_MEMBER else b"x,,\n")]

    return _raw(extra)


def _overlapping(*, same_name: bool) -> Build:
    """A second central entry pointing at the ELF member's local header."""

    def build(fx: Fixtures, _scratch: Path) -> bytes:
        members = _wheel_of(fx)
        twin = RawMember(
            (ELF_MEMBER if same_name else "pkg/twin.so").encode(),
            b"",
            method=members[0].method,
            crc=members[0].crc,
            file_size=members[0].file_size,
            compress_size=len(members[0].stored),
            local_offset=0,
        )
        return raw_zip([*members, twin])

    return build


def _symlink(name: str, target: str) -> Build:
    def extra(_fx: Fixtures) -> list[RawMember]:
        return [raw_member(name, target.encode(), deflate=False, mode=stat.S_IFLNK | 0o777)]

    return _raw(extra)


def _declared(
    plain: Callable[[Fixtures], bytes], *, file_size: int, compress_size: int | None = None, zip64: bool = False
) -> Build:
    """A wheel whose extra ELF-looking member declares these sizes (true or not)."""

    def extra(fx: Fixtures) -> list[RawMember]:
        return [raw_member("pkg/bomb.so", plain(fx), file_size=file_size, compress_size=compress_size, zip64=zip64)]

    return _raw(extra)


def _zeros_with_magic(size: int) -> Callable[[Fixtures], bytes]:
    return lambda _fx: b"\x7fELF" + bytes(size - 4)


def _real_bomb(fx: Fixtures, scratch: Path) -> bytes:
    """Genuinely compressed 8 MiB that starts like an ELF file: ratio over 1000."""
    data = _raw(lambda _fx: [raw_member("pkg/bomb.so", _zeros_with_magic(8 << 20)(fx))])(fx, scratch)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("pkg/bomb.so")
    if info.file_size / info.compress_size <= 1000:
        raise AssertionError("deflate no longer reaches a 1000:1 ratio")
    return data


def _lying_small(*, crc_of_prefix: bool) -> Build:
    """Declares 4 KiB, inflates to 32 MiB: reading must stop at the declared size."""

    def build(fx: Fixtures, _scratch: Path) -> bytes:
        plain = _elf_bytes(fx)[:4096] + bytes(32 << 20)
        crc = zlib.crc32(plain[:4096]) if crc_of_prefix else zlib.crc32(plain)
        return raw_zip(_wheel_of(fx, [raw_member("pkg/bomb.so", plain, file_size=4096, crc=crc)]))

    return build


def _many_huge(fx: Fixtures, _scratch: Path) -> bytes:
    """Five members declaring 3.5 GiB each, stored (ratio 1), with 16 bytes of data."""
    members = [
        raw_member(f"pkg/huge{i}.so", b"\x7fELF" + bytes(12), deflate=False,
                   file_size=7 << 29, compress_size=7 << 29, zip64=True)
        for i in range(5)
    ]  # fmt: skip
    return raw_zip(_wheel_of(fx, members))


def _broken_member(recipe: Recipe, name: str = ELF_MEMBER) -> Build:
    """A wheel whose ELF member is a patched fixture."""

    def build(fx: Fixtures, _scratch: Path) -> bytes:
        data = recipe(ElfMap(_elf_bytes(fx)))
        return raw_zip(_wheel_of(fx, [raw_member(name, data)], elf=name != ELF_MEMBER))

    return build


def _record_text(text: bytes) -> Build:
    def build(fx: Fixtures, _scratch: Path) -> bytes:
        members = _wheel_of(fx, record=False)
        return raw_zip([*members, raw_member(f"{DIST_INFO}/RECORD", text)])

    return build


def _wheel_text(text: bytes) -> Build:
    def build(fx: Fixtures, _scratch: Path) -> bytes:
        members = _wheel_of(fx, wheel=False)
        return raw_zip([*members, raw_member(f"{DIST_INFO}/WHEEL", text)])

    return build


def _two_dist_infos(fx: Fixtures, _scratch: Path) -> bytes:
    other = raw_member("other-2.0.dist-info/RECORD", b"garbage\n")
    return raw_zip(_wheel_of(fx, [other]))


def _eocd_only(_fx: Fixtures, _scratch: Path) -> bytes:
    return raw_zip([])


def _elf_as_wheel(fx: Fixtures, _scratch: Path) -> bytes:
    return _elf_bytes(fx)


def _bad_utf8_flagged(fx: Fixtures, _scratch: Path) -> bytes:
    bad = RawMember(b"pkg/\xff\xfe.so", b"x", crc=zlib.crc32(b"x"), file_size=1, flags=0x800)
    return raw_zip(_wheel_of(fx, [bad]))


def _not_zip_cases() -> list[Case]:
    c = "wheel: not a zip"
    return [
        _wheel(c, "empty-file", _const(b""), Expect.ERROR, "zip"),
        _wheel(c, "text", _const(b"this is not a zip archive\n" * 40), Expect.ERROR, "zip"),
        _wheel(c, "png-header", _const(b"\x89PNG\r\n\x1a\n" + bytes(200)), Expect.ERROR, "zip"),
        _wheel(c, "local-signature-only", _const(b"PK\x03\x04"), Expect.ERROR, "zip"),
        _wheel(c, "elf-magic-only", _const(b"\x7fELF"), Expect.ERROR, "too short"),
        _wheel(c, "end-record-only", _eocd_only, Expect.AUDIT, check=Check.RECORD),
        # Recognised by its magic number, not its name: audited as an ELF file.
        _wheel(c, "elf-file-named-whl", _elf_as_wheel, Expect.AUDIT),
    ]


def _truncated_zip_cases() -> list[Case]:
    c = "wheel: truncated"
    out = [_wheel(c, f"cut-at-{k}of8", _on_seed(_zcut(_eighths(k))), Expect.ERROR, "zip") for k in range(1, 8)]
    out += [
        _wheel(
            c, "cut-in-central-directory", _on_seed(_zcut(lambda z: z.cd_offset + z.cd_size // 2)), Expect.ERROR, "zip"
        ),
        _wheel(c, "cut-before-end-record", _on_seed(_zcut(lambda z: z.eocd_at)), Expect.ERROR, "zip"),
        _wheel(c, "cut-in-end-record", _on_seed(_zcut(lambda z: z.eocd_at + 10)), Expect.ERROR, "zip"),
        _wheel(c, "last-byte-missing", _on_seed(_zcut(lambda z: len(z.data) - 1)), Expect.ERROR, "zip"),
    ]
    return out


def _directory_cases() -> list[Case]:
    c = "wheel: central directory"
    return [
        # zipfile trusts the end record's position over cd_offset, so these fail
        # at the first member it reads (WHEEL), on its local header.
        _wheel(
            c, "cd-offset-past-eof", _on_seed(_eocd("eocd_cd_offset", lambda z: len(z.data))), Expect.ERROR, "header"
        ),
        _wheel(c, "cd-offset-zero", _on_seed(_eocd("eocd_cd_offset", 0)), Expect.ERROR, "header"),
        _wheel(c, "cd-size-huge", _on_seed(_eocd("eocd_cd_size", 0x7FFFFFFF)), Expect.ERROR, "zip"),
        _wheel(c, "cd-size-one-more", _on_seed(_eocd("eocd_cd_size", lambda z: z.cd_size + 1)), CD_ONE_MORE, "zip"),
        _wheel(c, "cd-size-one-less", _on_seed(_eocd("eocd_cd_size", lambda z: z.cd_size - 1)), Expect.ERROR, "zip"),
        _wheel(c, "entry-count-zero", _on_seed(_eocd("eocd_entries", 0)), Expect.AUDIT),
        _wheel(c, "entry-count-ffff", _on_seed(_eocd("eocd_entries", 0xFFFF)), Expect.AUDIT),
        _wheel(c, "comment-length-past-eof", _on_seed(_eocd("eocd_comment_len", 0xFFFF)), COMMENT_PAST_EOF, "zip"),
        _wheel(c, "junk-before-archive", lambda fx, s: b"#!/bin/sh\nexit 0\n" + _seed(fx, s), Expect.AUDIT),
        _wheel(c, "junk-after-archive", lambda fx, s: _seed(fx, s) + b"trailing junk", JUNK_AFTER, "zip"),
    ]


# zipfile's own tolerance, pinned (it reads the central directory by size,
# ignores the entry count and finds the end record by searching backwards).
CD_ONE_MORE = Expect.ERROR
COMMENT_PAST_EOF = Expect.AUDIT
JUNK_AFTER = Expect.AUDIT


def _member_header_cases() -> list[Case]:
    c = "wheel: member headers"
    m = ELF_MEMBER

    def err(label: str, build: Build, match: str = "") -> Case:
        return _wheel(c, label, build, Expect.ERROR, match, member=m)

    return [
        err("local-offset-past-eof", _on_seed(_central(m, "local_offset", lambda z: len(z.data)))),
        err("local-offset-huge", _on_seed(_central(m, "local_offset", 0x7FFFFFF0))),
        err("local-signature-broken", _on_seed(_local_signature), "magic"),
        err("local-name-differs", _on_seed(_local_name_differs), "differ"),
        err("local-name-flagged-utf8-but-not", _on_seed(_local_name_not_utf8(m)), "utf-8"),
        _wheel(
            c,
            "record-local-name-flagged-utf8-but-not",
            _on_seed(_local_name_not_utf8(f"{DIST_INFO}/RECORD")),
            Expect.ERROR,
            "utf-8",
            member=f"{DIST_INFO}/RECORD",
        ),
        err("method-unknown-99", _on_seed(_central(m, "method", 99)), "compression"),
        err("method-bzip2-on-deflate-data", _on_seed(_central(m, "method", 12)), "inflate"),
        err("method-lzma-bad-properties", _lzma_bad_properties, "inflate"),
        err("crc-mismatch", _on_seed(_central(m, "crc", 0xDEADBEEF)), "CRC"),
        err("compressed-patch-flag", _with_flag(0x20), "inflate"),
        err("strong-encryption-flag", _with_flag(0x40), "encryption"),
        _wheel(c, "version-needed-99", _on_seed(_both_headers(m, "version_needed", 99 * 10)), Expect.ERROR, "version"),
        err("declares-10-bytes", _on_seed(_central(m, "file_size", 10)), "CRC"),
        err("compress-size-past-eof", _on_seed(_central(m, "compress_size", 0x7FFFFFF0))),
        _wheel(
            c, "extra-length-past-directory", _on_seed(_central(m, "extra_len", 0xFFFF)), Expect.ERROR, "extra field"
        ),
        # Stored: the whole (small) member is read for its first 4 bytes, so the CRC is checked.
        err("stored-method-on-deflate-data", _on_seed(_central(m, "method", 0)), "CRC"),
        _wheel(c, "encrypted-flag-in-local-header-only", _on_seed(_local(m, "flags", 1)), Expect.AUDIT),
    ]


_UNSAFE_NAMES: tuple[tuple[str, str | bytes], ...] = (
    ("parent-dir", "../evil.so"),
    ("deep-parent-dir", "pkg/../../evil.so"),
    ("absolute", "/etc/evil.so"),
    ("drive-letter", "C:/evil.so"),
    ("backslash", "pkg\\..\\evil.so"),
    ("newline", "pkg/a\nb.so"),
    ("carriage-return", "pkg/a\rb.so"),
    ("ansi-escape", "pkg/\x1b[2J\x1b[Hfake.so"),
    ("unicode-line-separator", "pkg/a\u2028b.so"),
    ("c1-control", "pkg/a\x85b.so"),
    ("empty", ""),
    ("nul-inside", b"pkg/ok.so\x00../../evil.so"),
    ("parent-dir-entry", "../"),
    ("root-dir-entry", "/"),
    ("absolute-dir-entry", "/etc/"),
)


def _name_cases() -> list[Case]:
    c = "wheel: member names"
    out = [
        _wheel(c, f"unsafe-{label}", _named(name, elf=True), Expect.ERROR, "unsafe member path")
        for label, name in _UNSAFE_NAMES
    ]
    out += [
        _wheel(c, "utf8-flag-with-invalid-utf8", _bad_utf8_flagged, Expect.ERROR, "zip"),
        _wheel(c, "cp437-name", _named(b"pkg/caf\x82.txt"), Expect.AUDIT),
        _wheel(c, "name-60000-chars", _named("pkg/" + "a" * 60000 + ".so", elf=True), Expect.AUDIT),
        _wheel(c, "dotted-but-safe", _named("pkg/..hidden/x.so", elf=True), Expect.AUDIT),
    ]
    return out


def _duplicate_cases() -> list[Case]:
    c = "wheel: duplicates"
    return [
        _wheel(c, "duplicate-elf-member", _duplicate(ELF_MEMBER), Expect.ERROR, "duplicate", member=ELF_MEMBER),
        _wheel(c, "duplicate-record", _duplicate(f"{DIST_INFO}/RECORD"), Expect.ERROR, "duplicate"),
        _wheel(c, "two-entries-one-local-header", _overlapping(same_name=False), Expect.ERROR, "differ"),
        _wheel(c, "same-entry-listed-twice", _overlapping(same_name=True), Expect.ERROR, "duplicate"),
    ]


def _symlink_cases() -> list[Case]:
    c = "wheel: symlinks"
    return [
        _wheel(
            c,
            "symlink-to-system-libc",
            _symlink("pkg/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"),
            Expect.ERROR,
            "symlink",
        ),
        _wheel(c, "symlink-out-of-tree", _symlink("pkg/passwd", "../../../../etc/passwd"), Expect.ERROR, "symlink"),
        _wheel(c, "symlink-to-sibling", _symlink("pkg/libfoo.so", "libfoo.so.1"), Expect.ERROR, "symlink"),
        _wheel(c, "symlink-dir-entry", _named("pkg/link/", mode=stat.S_IFLNK | 0o777), Expect.ERROR, "symlink"),
        _wheel(
            c,
            "elf-member-marked-symlink",
            _on_seed(_central(ELF_MEMBER, "external_attr", (stat.S_IFLNK | 0o777) << 16)),
            Expect.ERROR,
            "symlink",
        ),
    ]


def _bomb_cases() -> list[Case]:
    c = "wheel: zip bombs"
    tiny = _zeros_with_magic(64)
    return [
        _wheel(
            c, "declares-10GiB-zip64", _declared(tiny, zip64=True, file_size=10 * _GiB), Expect.ERROR, "member limit"
        ),
        _wheel(
            c,
            "declares-10GiB-stored-zip64",
            _declared(tiny, zip64=True, file_size=10 * _GiB, compress_size=10 * _GiB),
            Expect.ERROR,
            "member limit",
        ),
        _wheel(c, "declares-4GiB-ratio", _declared(tiny, file_size=0xFFFFFFFE), Expect.ERROR, "zip bomb"),
        _wheel(c, "real-8MiB-of-zeros", _real_bomb, Expect.ERROR, "zip bomb"),
        _wheel(c, "inflates-past-declared-size", _lying_small(crc_of_prefix=False), Expect.ERROR, "CRC"),
        _wheel(
            c,
            "inflates-past-declared-size-crc-matches-prefix",
            _lying_small(crc_of_prefix=True),
            Expect.ERROR,
            "end of the file",
        ),
        _wheel(c, "five-members-of-3.5GiB-stored", _many_huge, Expect.ERROR, "inflate"),
    ]


def _encrypted_cases() -> list[Case]:
    c = "wheel: encrypted"
    return [
        _wheel(c, "encrypted-elf-member", _with_flag(1), Expect.ERROR, "encrypted", member=ELF_MEMBER),
        _wheel(c, "encrypted-record", _with_flag(1, f"{DIST_INFO}/RECORD"), Expect.ERROR, "encrypted"),
        _wheel(c, "encrypted-python-file", _with_flag(1, "pkg/__init__.py"), Expect.ERROR, "encrypted"),
        _wheel(c, "encrypted-and-utf8-flags", _with_flag(0x801), Expect.ERROR, "encrypted"),
    ]


def _metadata_cases() -> list[Case]:
    c = "wheel: metadata"
    record = f"{DIST_INFO}/RECORD"
    return [
        _wheel(c, "no-record", _raw(lambda _fx: [], record=False), Expect.AUDIT, check=Check.RECORD),
        _wheel(c, "no-wheel-file", _raw(lambda _fx: [], wheel=False), Expect.AUDIT),
        _wheel(c, "no-dist-info", _raw(lambda _fx: [], record=False, wheel=False), Expect.AUDIT, check=Check.RECORD),
        _wheel(c, "record-empty", _record_text(b""), Expect.AUDIT, check=Check.RECORD),
        _wheel(
            c,
            "record-field-over-csv-limit",
            _record_text(b"a" * 200_000 + b",,\n"),
            Expect.ERROR,
            "RECORD",
            member=record,
        ),
        _wheel(c, "record-unterminated-quote", _record_text(b'"pkg/x.so,,\n'), Expect.AUDIT),
        _wheel(c, "record-not-utf8", _record_text(b"\xff\xfe\x00garbage\n"), Expect.AUDIT),
        _wheel(c, "record-nul-bytes", _record_text(b"\x00" * 64), Expect.AUDIT),
        _wheel(
            c,
            "record-declares-65MiB",
            _on_seed(
                lambda z: patch(
                    z.data,
                    (z.entry(record).central["file_size"], 65 << 20),
                    (z.entry(record).central["compress_size"], 70_000),
                )
            ),
            Expect.ERROR,
            "too large",
            member=record,
        ),
        _wheel(c, "wheel-file-garbage-tags", _wheel_text(b"Tag: ---\nTag: a-b\nTag:\n:\n"), Expect.AUDIT),
        _wheel(c, "wheel-file-binary", _wheel_text(bytes(range(256))), Expect.AUDIT),
        _wheel(c, "two-dist-info-dirs", _two_dist_infos, Expect.AUDIT),
    ]


_BAD_WHEEL_NAMES = (
    "pkg.whl",
    "pkg-1.0.whl",
    "pkg-1.0-py3-none.whl",
    "pkg-x!y-py3-none-any.whl",
    "pkg-1.0-abc-py3-none-any.whl",
    "pkg-1.0-py3-none-any-extra.whl",
    "pkg__bad-1.0-py3-none-any.whl",
    ".whl",
    "-1.0-py3-none-any.whl",
    "pkg-1.0-py3-none-.whl",
    "pkg\n-1.0-py3-none-any.whl",
)


def _file_name_cases() -> list[Case]:
    c = "wheel: file names"
    out = [
        _wheel(
            c,
            f"bad-name-{i}-{n.split('.whl')[0][:20] or 'empty'}",
            _seed,
            Expect.ERROR,
            "not a valid wheel name",
            name=n,
        )
        for i, n in enumerate(_BAD_WHEEL_NAMES)
    ]
    out.append(_wheel(c, "zip-suffix-not-parsed", _seed, Expect.AUDIT, name=WHEEL_NAME.replace(".whl", ".zip")))
    return out


def _member_elf_cases() -> list[Case]:
    c = "wheel: broken ELF member"

    def err(label: str, recipe: Recipe, match: str, name: str = ELF_MEMBER) -> Case:
        return _wheel(c, label, _broken_member(recipe, name), Expect.ERROR, match, member=name)

    return [
        err("truncated-elf-member", lambda m: m.data[: m.loader_end // 2], "end of the file"),
        err("elf-member-e_phoff-past-eof", _h("e_phoff", _size), "program header table"),
        err("elf-member-ei_class-3", _ident(EI_CLASS, 3), "EI_CLASS"),
        err("elf-member-magic-only", lambda m: m.data[:4], "too short"),
        err("elf-member-dynstr-without-nul", _dynstr_without_nul, "NUL"),
        err("elf-content-under-data-name", lambda m: m.data[: m.loader_end // 3], "end of the file", "pkg/data.bin"),
        err("vendored-lib-truncated", lambda m: m.data[:100], "end of the file", "pkg.libs/libfoo.so.1"),
    ]


def _wheel_cases() -> list[Case]:
    return [
        *_not_zip_cases(),
        *_truncated_zip_cases(),
        *_directory_cases(),
        *_member_header_cases(),
        *_name_cases(),
        *_duplicate_cases(),
        *_symlink_cases(),
        *_bomb_cases(),
        *_encrypted_cases(),
        *_metadata_cases(),
        *_file_name_cases(),
        *_member_elf_cases(),
    ]


def _zero_length_cases() -> list[Case]:
    def make(_fx: Fixtures, _scratch: Path) -> Sample:
        return Sample(f"empty{EXT_SUFFIX}", b"", Expect.ERROR, "zip")

    return [Case("elf/zero-length-extension", "elf", "elf: truncated", make)]


def all_cases() -> list[Case]:
    """The corpus; ids are unique and stable."""
    cases = [*_elf_cases(), *_zero_length_cases(), *_wheel_cases()]
    ids = [c.id for c in cases]
    if len(ids) != len(set(ids)):
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        raise AssertionError(f"duplicate case ids: {dupes}")
    return cases


CASES: list[Case] = all_cases()


def shown(text: str) -> str:
    """How a name appears in a one-line message: control characters escaped."""
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)
