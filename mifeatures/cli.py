"""The ``mifeatures`` command line.

``mifeatures report [DATA] --target COL`` prints, for every column of a CSV
file (the bundled penguins when DATA is left out), its entropy and its mutual
information with the target, best first.
"""

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Measure information in tabular data.")


@app.callback()
def main():
    """Measure information in tabular data."""


def _fail(message):
    Console(stderr=True).print(f"error: {message}", highlight=False)
    raise typer.Exit(code=2)


def _read_table(path):
    if path is None:
        from .datasets import load_penguins

        return load_penguins(), "bundled penguins (344 rows)"
    if not path.is_file():
        _fail(f"no such file: {path}")
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {path} as CSV: {str(exc).splitlines()[0]}")
    if frame.empty:
        _fail(f"{path} holds no rows")
    return frame, f"{path} ({len(frame)} rows)"


def _as_discrete(column, n_bins):
    """Float columns are cut into quantile bins; others are used as they are."""
    if column.dtype.kind == "f":
        return pd.qcut(column, q=n_bins, duplicates="drop"), f"float, {n_bins} bins"
    return column, "discrete"


def information_report(frame, target, *, n_bins=5, base=2.0):
    """Entropy of each column and its MI with ``target``, best first.

    Float columns are cut into ``n_bins`` quantile bins (plug-in estimates on
    binned data); rows missing in a column or in the target are left out of
    that column's numbers (pairwise complete).

    Returns
    -------
    pandas.DataFrame with columns feature, kind, levels, missing, entropy,
    mutual_info, normalized_mi (MI / H(target)).
    """
    from .estimation import estimate_entropy, mutual_info

    y = frame[target]
    h_target = estimate_entropy(y, base=base, nan_policy="omit")
    rows = []
    for name in frame.columns:
        if name == target:
            continue
        column, kind = _as_discrete(frame[name], n_bins)
        mi = mutual_info(column, y, base=base, nan_policy="omit")
        rows.append({
            "feature": str(name),
            "kind": kind,
            "levels": int(column.nunique()),
            "missing": int(column.isna().sum()),
            "entropy": estimate_entropy(column, base=base, nan_policy="omit"),
            "mutual_info": mi,
            "normalized_mi": mi / h_target if h_target > 0 else 0.0,
        })
    report = pd.DataFrame(rows).sort_values("mutual_info", ascending=False, kind="stable")
    return report.reset_index(drop=True)


@app.command()
def report(
    data: Annotated[Path | None,
                    typer.Argument(help="CSV file; the bundled penguins if omitted.")] = None,
    target: Annotated[str, typer.Option(help="Target column.")] = "species",
    bins: Annotated[int, typer.Option(min=2, help="Quantile bins for float columns.")] = 5,
):
    """Entropy of every column and its mutual information with the target (bits)."""
    frame, label = _read_table(data)
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        _fail(f"target column {target!r} is not in {label}; columns: {columns}")
    try:
        result = information_report(frame, target, n_bins=bins)
    except (ValueError, TypeError) as exc:
        _fail(str(exc))
    table = Table(title=f"Information about {target!r} in {label}, in bits")
    for heading in ("feature", "kind", "levels", "missing", "entropy", "MI", "MI / H(target)"):
        table.add_column(heading, justify="left" if heading in ("feature", "kind") else "right")
    for row in result.itertuples(index=False):
        table.add_row(row.feature, row.kind, str(row.levels), str(row.missing),
                      f"{row.entropy:.3f}", f"{row.mutual_info:.3f}", f"{row.normalized_mi:.3f}")
    Console().print(table)
