"""Reading a mapping's source files: checked byte by byte, streamed into DuckDB.

Each file is read twice, never whole: once as bytes (its SHA-256, its line count, and the
checks that make a bad file fail with a message rather than load wrongly: empty, binary,
a byte that is not in the declared encoding, anywhere in the file), then by Arrow's
streaming CSV reader, block by block, into a table of the load's staging database (in
memory, spilling to disk). Memory holds one block at a time, whatever the file's size.

Line numbers are physical lines of the file (the header is line 1). While reading, a row
carries its record's ordinal (``_line`` = ordinal + 1, as if every record were one line);
when a file's physical line count shows that some record spans several lines or that
there are blank lines, the file is read once more with Python's csv module to find the
line where each record starts, and to fail on a record spanning more lines than its
source allows: a stray quote that swallows the lines after it.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from foidesk.records.mapping import Mapping, MappingError, SourceSpec
from foidesk.records.sql import literal as _lit
from foidesk.records.sql import quote_name as _q

_CHUNK = 8 * 1024 * 1024
_BLOCK = 8 * 1024 * 1024  # Arrow's CSV block: the rows held in memory at once
_UTF8 = {"utf-8", "utf8", "utf_8", "utf-8-sig", "utf_8_sig"}
_MAGIC = {  # the start of files often given by mistake, and what they are
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook is one)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook (OLE2)",
    b"%PDF": "a PDF document",
    b"\x1f\x8b": "a gzip-compressed file",
    b"PAR1": "a Parquet file",
    b"SQLite format 3": "an SQLite database",
}


@dataclass(frozen=True)
class BadRecord:
    """A source record with the wrong number of fields: it cannot be read, only rejected."""

    file: str
    line: int  # ordinal line (record ordinal + 1) until ``SourceFile.physical`` maps it
    text: str
    reason: str


@dataclass
class SourceFile:
    """One file of a source as read: provenance, bad records and physical line numbers."""

    source: str
    path: Path
    relative: str
    sha256: str
    records: int = 0
    bad: list[BadRecord] = field(default_factory=list)
    starts: np.ndarray | None = None  # physical start line per record; None: record n on n+1

    def physical(self, ordinal_line: int) -> int:
        """The physical line where the record with this ordinal line starts."""
        if self.starts is None or ordinal_line < 2:
            return ordinal_line
        return int(self.starts[ordinal_line - 2])


@dataclass(frozen=True)
class _Bytes:
    sha256: str
    lines: int  # physical lines, the last one counted even without a final newline


def _check_bytes(path: Path, spec: SourceSpec, mapping: Mapping) -> _Bytes:
    """One pass over the file's bytes: hash, line count, and the checks that stop a load."""
    digest = hashlib.sha256()
    newlines = 0
    size = 0
    last = b""
    utf8 = spec.encoding.lower() in _UTF8
    decoder = codecs.getincrementaldecoder("utf-8")() if utf8 else None
    blank = True
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            if size == 0:
                for magic, what in _MAGIC.items():
                    if chunk.startswith(magic):
                        raise MappingError(
                            f"{path}: not a CSV file: it is {what} (source {spec.name!r} of "
                            f"{mapping.path.name} needs comma-separated text)"
                        )
                nul = chunk.find(b"\x00", 0, 65536)
                if nul >= 0:
                    raise MappingError(
                        f"{path}: not a CSV file: it holds binary data (a NUL byte at offset "
                        f"{nul}); source {spec.name!r} needs text"
                    )
            if blank and chunk.lstrip(b"\xef\xbb\xbf \t\r\n"):
                blank = False
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    _bad_byte(path, spec, size + exc.start, chunk[exc.start])
            digest.update(chunk)
            newlines += chunk.count(b"\n")
            size += len(chunk)
            last = chunk[-1:]
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            _bad_byte(path, spec, size - 1, path.read_bytes()[-1])
    if size == 0:
        raise MappingError(f"{path}: the file is empty (0 bytes): a CSV file needs a header line")
    if blank:
        raise MappingError(f"{path}: the file is empty (only blank lines): no header line")
    return _Bytes(digest.hexdigest(), newlines + (0 if last == b"\n" else 1))


def _bad_byte(path: Path, spec: SourceSpec, offset: int, byte: int) -> None:
    """Fail naming the line and column of a byte that is not UTF-8."""
    with path.open("rb") as handle:
        head = handle.read(offset)
        start = head.rfind(b"\n") + 1
        handle.seek(start)
        line_bytes = handle.readline()
    line = head.count(b"\n") + 1
    header_bytes = head.split(b"\n", 1)[0] if line > 1 else line_bytes
    header = next(csv.reader([header_bytes.decode("utf-8-sig", "replace").rstrip("\r\n")]), [])
    before = line_bytes[: offset - start].decode("utf-8", "replace")
    fields = next(csv.reader([before], delimiter=spec.delimiter), [""])
    index = len(fields) - 1 if before else 0
    column = f"column {header[index]!r}" if index < len(header) else f"field {index + 1}"
    raise MappingError(
        f"{path}: line {line}, {column}: byte 0x{byte:02X} is not valid {spec.encoding}; if the "
        f"file is in another encoding, say which in the mapping "
        f"(sources.{spec.name}.encoding: cp1252, for example). Nothing was loaded"
    )


def _header(path: Path, spec: SourceSpec) -> list[str]:
    """The header's column names; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is dropped."""
    encoding = "utf-8-sig" if spec.encoding.lower() in _UTF8 else spec.encoding
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        return next(csv.reader(handle, delimiter=spec.delimiter), [])


def _record_starts(path: Path, spec: SourceSpec, records: int) -> np.ndarray:
    """The physical line where each record starts; fail on a record spanning more lines
    than the source allows, naming the line where its runaway field began."""
    encoding = "utf-8-sig" if spec.encoding.lower() in _UTF8 else spec.encoding
    starts = np.zeros(records, dtype=np.int64)
    with path.open(encoding=encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=spec.delimiter)
        header = next(reader, [])
        n = 0
        end = reader.line_num
        for row in reader:
            start = end + 1
            end = reader.line_num
            if not row:
                continue  # a blank line is not a record
            if end - start + 1 > spec.max_lines:
                line = start
                for i, value in enumerate(row):
                    if "\n" in value or "\r" in value:
                        name = header[i] if i < len(header) else f"field {i + 1}"
                        raise MappingError(
                            f"{path}: line {line}: the quoted field in column {name!r} begun "
                            f"here runs on to line {end} ({end - start + 1} lines in one "
                            f"record; source {spec.name!r} allows {spec.max_lines}). A stray "
                            f'quote (") is the usual cause; if the field may hold line '
                            f"breaks, set sources.{spec.name}.max_lines. Nothing was loaded"
                        )
                    line += value.count("\n")
                raise MappingError(
                    f"{path}: line {start}: one record runs on to line {end}; nothing was loaded"
                )
            if n < records:
                starts[n] = start
            n += 1
    return starts


def read_source(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, base: Path, mapping: Mapping, table: str
) -> list[SourceFile]:
    """Stream every file of a source into ``table`` (the needed columns as text, plus
    ``_file`` and ``_line``); return the files as read."""
    paths = sorted(p for p in base.glob(spec.pattern) if p.is_file())
    if not paths:
        raise MappingError(
            f"{mapping.path}: sources.{spec.name}: no file matches {spec.pattern!r} in {base}"
        )
    names = sorted(spec.needed)
    columns = ", ".join(f"{_q(n)} VARCHAR" for n in names)
    con.execute(
        f"CREATE TABLE {table} ({columns}{', ' if names else ''}_file VARCHAR, _line BIGINT)"
    )
    files = []
    for path in paths:
        checked = _check_bytes(path, spec, mapping)
        header = _header(path, spec)
        missing = sorted(spec.needed - set(header))
        if missing:
            raise MappingError(f"{path}: no column {missing[0]!r} (needed by {mapping.path})")
        read = SourceFile(spec.name, path, path.relative_to(base).as_posix(), checked.sha256)
        _stream(con, read, spec, [h for h in header if h in spec.needed], table)
        if checked.lines != read.records + 1:
            # Some record spans lines, or there are blank lines: find where records start.
            read.starts = _record_starts(path, spec, read.records)
        read.bad = [BadRecord(b.file, read.physical(b.line), b.text, b.reason) for b in read.bad]
        files.append(read)
    return files


def _stream(
    con: duckdb.DuckDBPyConnection,
    read: SourceFile,
    spec: SourceSpec,
    names: list[str],
    table: str,
) -> None:
    """Append one file's records to ``table`` block by block; keep malformed ones aside."""
    bad_numbers: list[int] = []  # ordinal lines of the records set aside

    def keep_aside(row: pacsv.InvalidRow) -> str:
        reason = f"{row.actual_columns} fields where the header has {row.expected_columns}"
        read.bad.append(BadRecord(read.relative, row.number, row.text, reason))
        bad_numbers.append(row.number)
        return "skip"

    try:
        reader = pacsv.open_csv(
            read.path,
            # One thread: the reader then knows each bad record's number.
            read_options=pacsv.ReadOptions(
                encoding=spec.encoding, use_threads=False, block_size=_BLOCK
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=spec.delimiter, invalid_row_handler=keep_aside, newlines_in_values=True
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=names,
                column_types={n: pa.string() for n in names},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
        good = 0
        for batch in reader:
            n = batch.num_rows
            # Good rows are numbered as if no record were bad; bad ones renumber them below
            # (the reader may parse ahead, so a batch cannot tell which bad records it held).
            data = pa.Table.from_batches([batch])
            data = data.append_column("_file", pa.repeat(pa.scalar(read.relative), n))
            data = data.append_column("_line", pa.array(np.arange(good + 2, good + n + 2)))
            con.register("_batch", data)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _batch")
            con.unregister("_batch")
            good += n
        read.records = good + len(bad_numbers)
        if bad_numbers:
            lines = np.setdiff1d(np.arange(2, read.records + 2), np.array(bad_numbers))
            moved = np.flatnonzero(lines != np.arange(2, good + 2))
            renumber = pa.table(
                {"_old": pa.array(moved + 2, pa.int64()), "_new": pa.array(lines[moved])}
            )
            con.register("_renumber", renumber)
            con.execute(
                f"UPDATE {table} t SET _line = r._new FROM _renumber r "
                f"WHERE t._file = {_lit(read.relative)} AND t._line = r._old"
            )
            con.unregister("_renumber")
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise MappingError(f"{read.path}: cannot be read as CSV: {exc}") from None


def first_bad_record(files: list[SourceFile]) -> tuple[Path, BadRecord] | None:
    for read in files:
        if read.bad:
            return read.path, read.bad[0]
    return None
