"""The loader's byte scan against the record-by-record check: it clears only files the check
accepts, with the check's number of records, across block cuts; and it clears the ordinary
well-formed files, which is what makes the load fast."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from customer_behaviour import csv_scan
from customer_behaviour.csv_scan import scan_csv
from customer_behaviour.errors import UserError
from customer_behaviour.load import check_csv

COLUMNS = ("id", "name", "note")
HEADER = b"id,name,note"

WELL_FORMED = {
    "LF": b"id,name,note\na,b,c\nd,e,f\n",
    "CRLF": b"id,name,note\r\na,b,c\r\nd,e,f\r\n",
    "CR": b"id,name,note\ra,b,c\rd,e,f\r",
    "no line end after the last record": b"id,name,note\na,b,c\nd,e,f",
    "byte-order mark": b"\xef\xbb\xbfid,name,note\na,b,c\n",
    "header only": b"id,name,note\n",
    "reordered header": b"note,id,name\nc,a,b\n",
    "quoted commas and doubled quotes": b'id,name,note\na,"b, ""big""",c\n"d","",""\n',
    "quoted value that ends the file": b'id,name,note\na,b,"c"',
    "LF inside a quoted value": b'id,name,note\na,"two\nlines",c\nd,e,f\n',
    "CRLF inside a quoted value": b'id,name,note\r\na,"two\r\nlines",c\r\nd,e,f\r\n',
    "CR and LF inside a quoted value of a CRLF file": b'id,name,note\r\na,"x\ry\nz",c\r\n',
    "blank line inside a quoted value": b'id,name,note\na,"one\n\nthree",c\n',
    "missing values": b"id,name,note\n,,\na,,\n",
    "the word null and spaces": b"id,name,note\nnull, ,NULL\n",
    "UTF-8 text": "id,name,note\nä,名前,😀\n".encode(),
}

# Files the record-by-record check refuses: the scan must not clear them (those with a wrong
# number of fields, which the scan leaves to the database, are in test_load.py).
MALFORMED = {
    "NUL byte": b"id,name,note\na,b\x00,c\n",
    "Latin-1 byte": b"id,name,note\na,\xe9,c\n",
    "ends inside a UTF-8 character": b"id,name,note\na,b,\xc3",
    "quote never closed": b'id,name,note\na,"b,c\nd,e,f\n',
    "text after a closing quote": b'id,name,note\na,"b" x,c\n',
    "quote inside an unquoted value": b'id,name,note\na,b "x",c\n',
    "quote at the end of an unquoted value": b'id,name,note\na,b",c\n',
    "space before an opening quote": b'id,name,note\na, "b",c\n',
    "blank line": b"id,name,note\na,b,c\n\nd,e,f\n",
    "blank line after the header": b"id,name,note\n\na,b,c\n",
    "blank line at the end": b"id,name,note\na,b,c\n\n",
    "blank CRLF line": b"id,name,note\r\na,b,c\r\n\r\nd,e,f\r\n",
    "CR in an LF file": b"id,name,note\na,b,c\r\nd,e,f\n",
    "lone CR in an LF file": b"id,name,note\na,b\rx,c\n",
    "LF in a CRLF file": b"id,name,note\r\na,b,c\nd,e,f\r\n",
    "LF in a CRLF file balanced by a CR in a quoted value": (
        b'id,name,note\r\na,"x\ry",c\r\nd,e\nf,g\r\n'
    ),
    "LF in a CR file": b"id,name,note\ra,b,c\nd,e,f\r",
}


def _records(content: bytes) -> int:
    text = content.decode("utf-8-sig")
    return sum(1 for _ in csv.reader(text.splitlines(keepends=True))) - 1


def _write(tmp_path: Path, content: bytes) -> Path:
    path = tmp_path / "file.csv"
    path.write_bytes(content)
    return path


@pytest.mark.parametrize("name", WELL_FORMED)
def test_well_formed_files_are_cleared_with_the_records_the_check_counts(
    tmp_path: Path, name: str
) -> None:
    path = _write(tmp_path, WELL_FORMED[name])
    scan = scan_csv(path)
    assert scan is not None, "a well-formed file went to the slow check"
    _, records = check_csv(path, COLUMNS)
    assert scan.records == records == _records(WELL_FORMED[name])


@pytest.mark.parametrize("name", MALFORMED)
def test_files_the_check_refuses_are_not_cleared(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, MALFORMED[name])
    with pytest.raises(UserError):
        check_csv(path, COLUMNS)
    assert scan_csv(path) is None


def test_a_valid_file_the_scan_does_not_clear_is_loaded_after_the_check(tmp_path: Path) -> None:
    """A line holding only a quoted value looks like a blank line once the value is cut out:
    not cleared, and the check (the loader's fallback) accepts it."""
    content = b'id\n"a"\n"b"\n'
    path = _write(tmp_path, content)
    assert scan_csv(path) is None
    assert check_csv(path, ("id",))[1] == 2


@pytest.mark.parametrize("block", [8, 13, 32])
def test_block_cuts_change_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """Blocks of a few bytes cut every file at every kind of place (inside quoted values,
    between the two bytes of a CRLF, before a blank line): the same verdicts and counts."""
    monkeypatch.setattr(csv_scan, "_BLOCK", block)
    monkeypatch.setattr(csv_scan, "_MAX_PENDING", 64 * block)
    rows = b"".join(b'r%d,"v, ""%d""",x\n' % (n, n) for n in range(40))
    long_quoted = b'id,name,note\na,"' + b"y\n" * 50 + b'",c\nd,e,f\n'
    for content in (*WELL_FORMED.values(), HEADER + b"\n" + rows, long_quoted):
        path = _write(tmp_path, content)
        scan = scan_csv(path)
        if scan is not None:
            assert scan.records == check_csv(path, COLUMNS)[1] == _records(content)
    for name, content in MALFORMED.items():
        assert scan_csv(_write(tmp_path, content)) is None, name
    for cut in range(len(HEADER) + 1, len(HEADER) + 40):
        blank = HEADER + b"\n" + rows
        blank = blank[:cut] + blank[cut:].replace(b"\n", b"\n\n", 1)
        assert scan_csv(_write(tmp_path, blank)) is None, cut
    cleared = scan_csv(_write(tmp_path, HEADER + b"\n" + rows))
    assert cleared is not None and cleared.records == 40
