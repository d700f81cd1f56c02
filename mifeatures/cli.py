"""The ``mifeatures`` command line.

- ``mifeatures rank [DATA] --target COL``: every column's mutual information
  with the target, best first (the bundled penguins when DATA is left out);
- ``mifeatures score DATA --true COL --pred COL ...``: MI, NMI, AMI, VI and
  normalized VI of labelings against a reference;
- ``mifeatures discretize DATA --target COL --output FILE``: MDLP bins;
- ``mifeatures report [DATA] --target COL``: entropy and binned MI of every
  column, in bits.

Bad input (a missing or empty file, a missing column, a column mixing
numbers and text) ends with exit code 2 and one line on stderr.
"""

import inspect
import math
from contextlib import nullcontext
from enum import Enum
from pathlib import Path
from typing import Annotated

import numpy as np
import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from ._cli_io import (
    Format,
    emit,
    fail,
    read_table,
    require_columns,
    resolve_format,
    rich_table,
    spinner,
    write_frame,
)

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Measure information in tabular data.")


class NanPolicy(str, Enum):
    omit = "omit"
    raise_ = "raise"
    as_category = "as-category"


@app.callback()
def main():
    """Measure information in tabular data."""


# -- rank ----------------------------------------------------------------------


def _supports(function, keyword):
    return keyword in inspect.signature(function).parameters


def _criterion_order(frame, target, criterion, seed):
    try:
        from .selection import MutualInfoSelector
    except ImportError:
        fail(f"criterion {criterion!r} needs MutualInfoSelector, which this build lacks")
    complete = frame.dropna()
    if complete.empty:
        fail(f"criterion {criterion!r} needs complete rows, and every row misses a value")
    selector = MutualInfoSelector(criterion=criterion, k="all", random_state=seed)
    selector.fit(complete.drop(columns=[target]), complete[target])
    path = selector.selection_path_.set_index("feature")
    return path.index.astype(str), path["criterion"], len(frame) - len(complete)


def rank_table(frame, target, *, criterion="mim", k=None, permutations=0, bootstrap=0,
               base=None, nan_policy="omit", seed=0, progress=False):
    """The ranking ``mifeatures rank`` prints, as a DataFrame (one row per feature).

    Columns: ``rank``, ``feature``, ``kind``, ``mi``, ``normalized_mi`` (see
    :func:`mifeatures.rank_features`); ``pvalue`` and ``qvalue`` with
    ``permutations``; ``ci_low``, ``ci_high`` and ``rank_stability`` with
    ``bootstrap``; for a criterion other than ``mim`` the criterion's value
    at each greedy step (``criterion``, in the unit of ``base``), in the
    order of ``MutualInfoSelector(criterion=criterion, k="all").ranking_``
    fitted on the complete rows. ``progress`` goes to ``rank_features``
    (its bar over permutations and half-samples).
    """
    from .ranking import rank_features

    options = {"base": base, "nan_policy": nan_policy, "random_state": seed}
    if permutations:
        options["n_permutations"] = permutations
    if bootstrap:
        options["bootstrap"] = bootstrap
    if _supports(rank_features, "progress"):
        options["progress"] = progress
    ranking = rank_features(frame, target, **options)
    ranking.index = ranking.index.astype(str)
    dropped = 0
    if criterion != "mim":
        order, values, dropped = _criterion_order(frame, target, criterion, seed)
        scale = 1.0 if base is None else math.log(base)  # the path is in nats
        ranking = ranking.loc[order].assign(criterion=values.to_numpy() / scale)
    result = ranking.reset_index()
    result.insert(0, "rank", np.arange(1, len(result) + 1))
    result.attrs["dropped_rows"] = dropped
    return result if k is None else result.iloc[:k]


RANK_HEADINGS = {"rank": "#", "feature": "feature", "kind": "kind", "mi": "MI",
                 "normalized_mi": "normalized MI", "criterion": "criterion J",
                 "ci_low": "95% CI low", "ci_high": "95% CI high",
                 "rank_stability": "rank stability", "pvalue": "p-value", "qvalue": "q-value"}


@app.command()
def rank(
    data: Annotated[Path | None, typer.Argument(
        help="CSV, TSV, Parquet or Feather file; the bundled penguins if omitted.")] = None,
    target: Annotated[str | None, typer.Option(
        "--target", "-t", help="Target column (species for the bundled penguins).")] = None,
    criterion: Annotated[str, typer.Option(
        help="mim orders by MI; mrmr, jmi, cmim, ... order by MutualInfoSelector.")] = "mim",
    k: Annotated[int | None, typer.Option("--k", "-k", min=1,
                                          help="Show the first k features only.")] = None,
    permutations: Annotated[int, typer.Option(
        min=0, help="Permutations for p-values and BH q-values (0: none).")] = 0,
    bootstrap: Annotated[int, typer.Option(
        min=0, help="Half-samples for 95% intervals and rank stability (0: none).")] = 0,
    fmt: Annotated[Format | None, typer.Option(
        "--format", help="table (default), csv or json; from --output's suffix if left out."
    )] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    bits: Annotated[bool, typer.Option(help="MI in bits instead of nats.")] = False,
    nan_policy: Annotated[NanPolicy, typer.Option(
        help="Missing values: omit rows per column, raise, or as-category.")] = NanPolicy.omit,
    na_values: Annotated[list[str] | None, typer.Option(
        help="Extra strings to read as missing (repeatable).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed (tie-breaking noise).")] = 0,
):
    """Rank the columns of DATA by their mutual information with the target."""
    if target is None:
        if data is not None:
            fail("--target is required when DATA is given")
        target = "species"
    fmt = resolve_format(fmt, output)
    with spinner(f"reading {data or 'bundled penguins'}"):
        frame, label = read_table(data, na_values)
    require_columns(frame, [target], label)
    from .ranking import rank_features

    # rank_features counts its permutations and half-samples on a bar of its own; rich
    # allows one live display at a time, so the spinner stays off while that one runs.
    library_bar = bool(permutations or bootstrap) and _supports(rank_features, "progress")
    description = f"ranking {frame.shape[1] - 1} features x {len(frame)} rows"
    with nullcontext() if library_bar else spinner(description):
        try:
            result = rank_table(frame, target, criterion=criterion, k=k,
                                permutations=permutations, bootstrap=bootstrap,
                                base=2 if bits else None, nan_policy=nan_policy.value,
                                seed=seed, progress="auto" if library_bar else False)
        except (ValueError, TypeError) as exc:
            fail(exc)
    unit = "bits" if bits else "nats"
    order = "MI" if criterion == "mim" else f"{criterion} criterion (complete rows)"
    caption = f"ordered by {order}; MI in {unit}"
    if result.attrs.get("dropped_rows"):
        caption += f"; {result.attrs['dropped_rows']} incomplete rows left out of the ordering"
    table = rich_table(result, f"Mutual information with {target!r} in {label}", caption,
                        RANK_HEADINGS)
    emit(result, table, fmt, output)


# -- score ---------------------------------------------------------------------


def score_table(frame, true, preds, *, base=None):
    """MI, NMI, AMI, VI and normalized VI of each ``pred`` column against ``true``.

    Rows missing in either labeling of a pair are left out of that pair
    (``n`` counts the rows used).
    """
    from . import metrics

    scale = 1.0 if base is None else math.log(base)
    rows = []
    for pred in preds:
        pair = frame[[true, pred]].dropna()
        if pair.empty:
            raise ValueError(f"{true!r} and {pred!r} have no complete row in common.")
        a, b = pair.iloc[:, 0], pair.iloc[:, 1]
        rows.append({
            "labeling": str(pred),
            "n": len(pair),
            "mi": metrics.mutual_info_score(a, b) / scale,
            "nmi": metrics.normalized_mutual_info_score(a, b),
            "ami": metrics.adjusted_mutual_info_score(a, b),
            "vi": metrics.variation_of_information(a, b) / scale,
            "nvi": metrics.normalized_variation_of_information(a, b),
        })
    return pd.DataFrame(rows)


SCORE_HEADINGS = {"labeling": "labeling", "n": "rows", "mi": "MI", "nmi": "NMI", "ami": "AMI",
                  "vi": "VI", "nvi": "normalized VI"}


@app.command()
def score(
    data: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet or Feather file.")],
    true: Annotated[str, typer.Option("--true", help="Reference labeling column.")],
    pred: Annotated[list[str], typer.Option(
        "--pred", help="Labeling column to compare (repeatable).")],
    fmt: Annotated[Format | None, typer.Option("--format", help="table, csv or json.")] = None,
    output: Annotated[Path | None, typer.Option(help="Write here instead of stdout.")] = None,
    bits: Annotated[bool, typer.Option(help="MI and VI in bits instead of nats.")] = False,
    na_values: Annotated[list[str] | None, typer.Option(
        help="Extra strings to read as missing (repeatable).")] = None,
):
    """Compare labelings (clusterings) of the same rows with a reference labeling."""
    frame, label = read_table(data, na_values)
    require_columns(frame, [true, *pred], label)
    try:
        result = score_table(frame, true, pred, base=2 if bits else None)
    except (ValueError, TypeError) as exc:
        fail(exc)
    caption = (f"MI and VI in {'bits' if bits else 'nats'}; NMI and AMI with the arithmetic "
               "mean; normalized VI = VI / H(joint)")
    table = rich_table(result, f"Agreement with {true!r} in {label}", caption, SCORE_HEADINGS)
    emit(result, table, resolve_format(fmt, output), output)


# -- discretize ----------------------------------------------------------------



@app.command()
def discretize(
    data: Annotated[Path, typer.Argument(help="CSV, TSV, Parquet or Feather file.")],
    target: Annotated[str, typer.Option("--target", "-t", help="Class column.")],
    output: Annotated[Path, typer.Option(help="File for the binned data (by suffix).")],
    na_values: Annotated[list[str] | None, typer.Option(
        help="Extra strings to read as missing (repeatable).")] = None,
):
    """Cut the float columns of DATA into MDLP bins for the target; print the cut points."""
    try:
        from .discretization import EntropyDiscretizer
    except ImportError:
        fail("discretize needs EntropyDiscretizer (mifeatures.discretization), which this "
              "build lacks")
    frame, label = read_table(data, na_values)
    require_columns(frame, [target], label)
    continuous = [c for c in frame.columns if c != target and frame[c].dtype.kind == "f"]
    if not continuous:
        fail(f"{label} has no float column to discretize")
    complete = frame.dropna(subset=[*continuous, target])
    try:
        discretizer = EntropyDiscretizer(strategy="mdlp").fit(complete[continuous],
                                                               complete[target])
    except (ValueError, TypeError) as exc:
        fail(exc)
    binned = frame.copy()
    codes = discretizer.transform(complete[continuous])
    for j, column in enumerate(continuous):
        binned[column] = pd.Series(np.asarray(codes)[:, j], index=complete.index).astype("Int64")
    write_frame(binned, output)
    table = Table(title=f"MDLP cut points for {target!r} in {label}",
                  caption=f"rows with a missing value left empty; wrote {output}")
    for heading in ("feature", "bins", "cut points"):
        table.add_column(heading)
    for column, edges in zip(continuous, discretizer.bin_edges_):
        cuts = ", ".join(f"{cut:.6g}" for cut in np.asarray(edges)[1:-1])
        table.add_row(str(column), str(len(edges) - 1), cuts or "(none)")
    Console().print(table)


# -- report --------------------------------------------------------------------


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
    h_target = estimate_entropy(y, discrete=True, base=base, nan_policy="omit")
    rows = []
    for name in frame.columns:
        if name == target:
            continue
        column, kind = _as_discrete(frame[name], n_bins)
        mi = mutual_info(column, y, discrete=True, base=base, nan_policy="omit")
        rows.append({
            "feature": str(name),
            "kind": kind,
            "levels": int(column.nunique()),
            "missing": int(column.isna().sum()),
            "entropy": estimate_entropy(column, discrete=True, base=base, nan_policy="omit"),
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
    frame, label = read_table(data)
    if target not in frame.columns:
        columns = ", ".join(map(str, frame.columns))
        fail(f"target column {target!r} is not in {label}; columns: {columns}")
    try:
        result = information_report(frame, target, n_bins=bins)
    except (ValueError, TypeError) as exc:
        fail(str(exc))
    table = Table(title=f"Information about {target!r} in {label}, in bits")
    for heading in ("feature", "kind", "levels", "missing", "entropy", "MI", "MI / H(target)"):
        table.add_column(heading, justify="left" if heading in ("feature", "kind") else "right")
    for row in result.itertuples(index=False):
        table.add_row(row.feature, row.kind, str(row.levels), str(row.missing),
                      f"{row.entropy:.3f}", f"{row.mutual_info:.3f}", f"{row.normalized_mi:.3f}")
    Console().print(table)
