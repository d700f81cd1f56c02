"""Bundled datasets with known answers.

The CSV files live in the repository's top-level ``datasets/`` folder, which
the wheel installs as the package ``mifeatures.data``; see its README for
source, licence and ground truth.
"""

from importlib import resources
from pathlib import Path

import pandas as pd


def _data_path(filename):
    try:
        path = resources.files("mifeatures.data") / filename
        if path.is_file():
            return path
    except ModuleNotFoundError:
        pass
    # Running from a source checkout that was not installed.
    return Path(__file__).resolve().parent.parent / "datasets" / filename


def load_penguins():
    """The Palmer penguins: 344 penguins, 3 species, mixed types, missing values.

    Returns
    -------
    pandas.DataFrame of shape (344, 8)
        ``species``, ``island`` and ``sex`` are categorical (``sex`` has 11
        missing values); the four measurements are float64 (2 rows missing);
        ``year`` is int64.

    Notes
    -----
    Gorman, Williams & Fraser (2014), PLoS ONE 9(3): e90081, via the
    palmerpenguins package; licence CC0 1.0. ``species`` is the usual target.

    Examples
    --------
    >>> from mifeatures.datasets import load_penguins
    >>> load_penguins().shape
    (344, 8)
    """
    with _data_path("penguins.csv").open("r", encoding="utf-8") as handle:
        frame = pd.read_csv(handle)
    for column in ("species", "island", "sex"):
        frame[column] = frame[column].astype("category")
    return frame
