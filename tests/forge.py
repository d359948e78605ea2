"""Forge what a zip's central directory says: equal CRC-32 and size, other bytes.

CRC-32 is affine over GF(2): for a fixed length, flipping bit ``i`` of the
input flips a fixed set of bits of the CRC. So the CRC of ``data`` with four
bytes at ``offset`` replaced is ``crc(data with zeros there) ^ M @ x`` for a
32x32 bit matrix ``M`` that is invertible for any 32 consecutive bits;
solving ``M @ x = target ^ crc(zeroed)`` gives the four bytes. This is the
well-known way to make a file match any CRC-32, used here to prove the
facts cache does not trust CRCs (issue 14).
"""

from __future__ import annotations

import zlib

__all__ = ["forge_crc", "forge_text_crc", "pad"]

_CSV_UNSAFE = frozenset(b'"\r\n\x00,')


def pad(data: bytes, size: int) -> bytes:
    """``data`` with zero bytes appended up to ``size`` (an ELF file ignores trailing bytes)."""
    if len(data) > size:
        msg = f"{len(data)} bytes do not fit in {size}"
        raise ValueError(msg)
    return data + bytes(size - len(data))


def forge_crc(data: bytes, offset: int, target: int) -> bytes:
    """``data`` with the four bytes at ``offset`` replaced so that its CRC-32 is ``target``."""
    base = bytearray(data)
    base[offset : offset + 4] = bytes(4)
    zero = zlib.crc32(base)
    # Column i: how setting bit i of the 4-byte window changes the CRC.
    columns = []
    for bit in range(32):
        probe = bytearray(base)
        probe[offset + bit // 8] ^= 1 << (bit % 8)
        columns.append(zlib.crc32(probe) ^ zero)
    x = _solve(columns, target ^ zero)
    base[offset : offset + 4] = x.to_bytes(4, "little")
    forged = bytes(base)
    assert zlib.crc32(forged) == target
    return forged


def forge_text_crc(prefix: bytes, suffix: bytes, target: int) -> bytes:
    """``prefix + tag + 4 bytes + suffix`` with CRC-32 ``target``, the 4 bytes safe in a CSV field.

    Tries tags until the solved bytes hold no quote, comma, CR, LF or NUL, so
    a RECORD row carrying them still parses.
    """
    for attempt in range(1000):
        tag = b"%03d" % attempt
        data = forge_crc(prefix + tag + bytes(4) + suffix, len(prefix) + len(tag), target)
        if not set(data[len(prefix) + len(tag) : len(prefix) + len(tag) + 4]) & _CSV_UNSAFE:
            return data
    msg = "no CSV-safe forgery found"
    raise AssertionError(msg)


def _solve(columns: list[int], want: int) -> int:
    """x with XOR of columns[i] over set bits i of x == want (Gauss-Jordan over GF(2))."""
    # Each row: (column value, the input bits it stands for).
    rows = [(col, 1 << i) for i, col in enumerate(columns)]
    basis: dict[int, tuple[int, int]] = {}
    for column, unit in rows:
        value, bits = column, unit
        for pivot in sorted(basis, reverse=True):
            if value >> pivot & 1:
                value ^= basis[pivot][0]
                bits ^= basis[pivot][1]
        if value:
            basis[value.bit_length() - 1] = (value, bits)
    x = 0
    for pivot in sorted(basis, reverse=True):
        if want >> pivot & 1:
            want ^= basis[pivot][0]
            x ^= basis[pivot][1]
    if want:
        msg = "the window cannot reach this CRC"
        raise ValueError(msg)
    return x
