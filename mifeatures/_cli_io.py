"""Reading, checking and writing tables for the command line (``mifeatures.cli``).

Every problem with the user's input ends here with exit code 2 and one line
on stderr (:func:`fail`), never a traceback.
"""

import json
import math
from contextlib import contextmanager
from enum import Enum

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

PARQUET_SUFFIXES = {".parquet", ".pq"}
FEATHER_SUFFIXES = {".feather", ".arrow"}
PENGUINS = "bundled penguins (344 rows)"


class Format(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"


def fail(message):
    """Print ``error: <first line of message>`` on stderr and exit with code 2."""
    first_line = str(message).strip().splitlines()[0] if str(message).strip() else "failed"
    Console(stderr=True).print(f"error: {first_line}", highlight=False, markup=False,
                               soft_wrap=True)
    raise typer.Exit(code=2)


# -- reading -------------------------------------------------------------------


def _read_file(path, na_values):
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES | FEATHER_SUFFIXES:
        kind = "Parquet" if suffix in PARQUET_SUFFIXES else "Feather"
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail(f"reading {kind} needs pyarrow: pip install mifeatures[parquet]")
        reader = pd.read_parquet if kind == "Parquet" else pd.read_feather
        try:
            return reader(path)
        except Exception as exc:  # pyarrow raises its own error types
            fail(f"cannot read {path} as {kind}: {exc}")
    separator = "\t" if suffix in (".tsv", ".tab") else ","
    try:
        return pd.read_csv(path, sep=separator, na_values=na_values or None)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        fail(f"cannot read {path} as CSV: {exc}")


def _mixed_column(column):
    """(first unparsable value, its row) when a text column is mostly numbers, else None."""
    if column.dtype.kind not in "OSU" and not isinstance(column.dtype, pd.StringDtype):
        return None
    present = column.dropna()
    if present.empty:
        return None
    numbers = pd.to_numeric(present, errors="coerce")
    text = numbers.isna()
    if not text.any() or text.sum() * 2 > len(present):
        return None
    row = text.idxmax()
    return present[row], row


def read_table(path, na_values=None):
    """DataFrame and a label for messages; the bundled penguins when ``path`` is None."""
    if path is None:
        from .datasets import load_penguins

        return load_penguins(), PENGUINS
    if not path.is_file():
        fail(f"no such file: {path}")
    frame = _read_file(path, na_values)
    if frame.empty:
        fail(f"{path} holds no rows")
    for name in frame.columns:
        mixed = _mixed_column(frame[name])
        if mixed is not None:
            value, row = mixed
            fail(f"column {name!r} in {path} mixes numbers and text (e.g. {value!r} in data "
                  f"row {row + 1}); fix the file or pass --na-values {value!r}")
    return frame, f"{path} ({len(frame)} rows)"


def require_columns(frame, columns, label):
    for column in columns:
        if column not in frame.columns:
            known = ", ".join(map(str, frame.columns))
            fail(f"column {column!r} is not in {label}; columns: {known}")


@contextmanager
def spinner(description):
    """An indeterminate progress bar on stderr while a step runs (terminal only)."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        bar.add_task(description, total=None)
        yield


# -- writing -------------------------------------------------------------------


def resolve_format(fmt, output):
    if fmt is not None:
        return fmt
    if output is not None and output.suffix.lower() in (".csv", ".json"):
        return Format(output.suffix.lower()[1:])
    return Format.table


def _to_json(result):
    """Records with every float in full (repr) precision; NaN becomes null."""
    records = result.astype(object).where(result.notna(), None).to_dict("records")
    return json.dumps(records, indent=2) + "\n"


def emit(result, table, fmt, output):
    """Print or write ``result`` (a DataFrame) as a rich table, CSV or JSON."""
    if fmt is Format.table:
        if output is None:
            Console().print(table)
            return
        with output.open("w", encoding="utf-8") as handle:
            Console(file=handle, width=120).print(table)
    else:
        text = result.to_csv(index=False) if fmt is Format.csv else _to_json(result)
        if output is None:
            typer.echo(text, nl=False)
            return
        output.write_text(text, encoding="utf-8")
    Console(stderr=True).print(f"wrote {output}", highlight=False, markup=False)


def _cell(value):
    if isinstance(value, (str, int, np.integer)):
        return str(value)
    return "" if value is None or math.isnan(value) else f"{value:.4g}"


def rich_table(result, title, caption, headings):
    """A rich Table of the columns of ``result`` named in ``headings`` (column -> heading)."""
    table = Table(title=title, caption=caption)
    for column, heading in headings.items():
        if column in result.columns:
            text = column in ("feature", "kind", "labeling")
            table.add_column(heading, justify="left" if text else "right")
    for row in result.to_dict("records"):
        table.add_row(*[_cell(row[c]) for c in headings if c in result.columns])
    return table


def write_frame(frame, path):
    """Write ``frame`` as Parquet, Feather or (any other suffix) CSV."""
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES | FEATHER_SUFFIXES:
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            fail("writing Parquet or Feather needs pyarrow: pip install mifeatures[parquet]")
        writer = frame.to_parquet if suffix in PARQUET_SUFFIXES else frame.to_feather
        writer(path)
    else:
        frame.to_csv(path, index=False)

