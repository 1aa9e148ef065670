"""A whole-file byte scan that clears a well-formed CSV without reading it record by record.

The loader's record-by-record check (load.check_csv) costs ~30 s of Python for the 395 MB of
a 1M-session export. This scan reads the file in large blocks and uses only byte operations
that run in C (find, count, one regular expression, a UTF-8 decode). It answers one question
exactly: does the file certainly meet every rule of the input contract that is about bytes,
quotes and lines? Those rules:

* UTF-8 throughout, no NUL byte;
* every record ends the way the header does (CRLF, LF or CR): no other line end outside
  quoted values (a quoted value may hold any);
* no blank line;
* quotes only around whole values, closed, with doubled quotes inside: every quote of the
  file belongs to a well-formed quoted value, one that starts a field (after a comma, a line
  end or the start of the file), holds no lone quote and ends a field (before a comma, a
  line end or the end of the file).

When every quote belongs to such a value, a CSV reader, starting outside quotes at the
start of a block, enters each of those values where it starts and leaves it where it ends,
so the text left when they are cut out is exactly the text the reader sees outside quotes:
its line ends are the record ends. That gives the number of records, exactly, without a
parse. Cutting a value can make two line ends meet (a line holding one quoted value), which
the scan then takes for a blank line: it only ever errs on the side of "not cleared".

What the scan does not decide is the number of fields per record: the database's own
strict CSV reader does (DuckDB's read_csv in strict mode, PostgreSQL's COPY), and the
loader compares the rows it received with the records counted here. A file the scan does
not clear, or that the database refuses, goes through the precise check, which names the
line and the column.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_BLOCK = 1 << 24
_MAX_PENDING = 4 * _BLOCK
_HEAD = 1 << 16
_BOM = codecs.BOM_UTF8
# A well-formed quoted value at the start of a field, ending a field. The look-behind sees
# the block's text before the match (a block starts just after a line end, so its start
# counts as a field start too).
_QUOTED_VALUE = re.compile(rb'(?<![^,\r\n])"[^"]*(?:""[^"]*)*"(?=[,\r\n]|\Z)')


@dataclass(frozen=True)
class Scan:
    """A file the scan cleared: its line ending and number of data records."""

    ending: bytes
    records: int


def scan_csv(path: Path) -> Scan | None:
    """The file's line ending and data records if it certainly meets the byte, quote and line
    rules of the input contract (see the module docstring); None if it may not."""
    with path.open("rb") as handle:
        head = handle.read(_HEAD)
        offset = len(_BOM) if head.startswith(_BOM) else 0
        ending = _first_ending(head, offset)
        if ending is None:
            # One line, no line end (a header-only file) or a first line of more than
            # 64 KiB (not the contract's header): the precise check decides.
            return None
        lines = 0
        size = _BLOCK
        while True:
            # Each block starts at a record start: read from there, not from where the
            # last read stopped, so that no block is glued to the tail of the one before.
            handle.seek(offset)
            block = handle.read(size)
            last = len(block) < size
            cut = len(block) if last else _record_boundary(block, ending)
            if cut is None:
                if size >= _MAX_PENDING:
                    return None  # no record end outside quotes in 64 MB: the precise check
                size *= 2
                continue
            counted = _scan_block(block[:cut] if cut < len(block) else block, ending, lines)
            if counted is None:
                return None
            lines += counted
            offset += cut
            size = _BLOCK
            if last:
                break
        # A last line without a line end is a record too (counted by _scan_block).
        return Scan(ending, lines - 1)


def _first_ending(head: bytes, start: int) -> bytes | None:
    """The header line's ending: CRLF, LF or CR (None if the block holds no line end)."""
    positions = [(head.find(code, start), code) for code in (b"\n", b"\r")]
    found = [(position, code) for position, code in positions if position >= 0]
    if not found:
        return None
    position, code = min(found)
    if code == b"\r" and head[position + 1 : position + 2] == b"\n":
        return b"\r\n"
    if code == b"\r" and position + 1 == len(head):
        return None  # a CR at the block's end may be half of a CRLF
    return code


def _record_boundary(data: bytes, ending: bytes) -> int | None:
    """A cut just after a line end outside quotes (an even number of quotes before it, which
    in a well-formed file means outside quotes), or None to read on."""
    marker = ending[-1:]
    cut = data.rfind(marker)
    for _ in range(64):
        if cut < 0:
            return None
        if data.count(b'"', 0, cut) % 2 == 0:
            return cut + 1
        cut = data.rfind(marker, 0, cut)
    return None


def _scan_block(data: bytes, ending: bytes, lines_before: int) -> int | None:
    """The lines of a block that starts at a record start (None unless it is clean): UTF-8,
    no NUL, one kind of line ending, no blank line, every quote in a well-formed value."""
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    outside = _QUOTED_VALUE.sub(b"", data) if b'"' in data else data
    if b'"' in outside:
        return None
    # Record ends are the line ends outside quoted values (those inside are the value's).
    if ending == b"\n" and b"\r" in outside or ending == b"\r" and b"\n" in outside:
        return None
    text = np.frombuffer(outside, dtype=np.uint8)
    ends = np.flatnonzero(text == ending[-1])
    if ending == b"\r\n":
        # Every LF after a CR and as many CRs as LFs: CRLF only.
        if outside.count(b"\r") != ends.size or (ends.size and ends[0] == 0):
            return None
        if not (text[ends - 1] == ord("\r")).all():
            return None
    # Two line ends in a row (a blank line), also across the cut before this block.
    if (np.diff(ends) == len(ending)).any():
        return None
    if lines_before and ends.size and ends[0] == len(ending) - 1:
        return None
    lines = int(ends.size)
    if data and not data.endswith(ending):
        lines += 1
    return lines
