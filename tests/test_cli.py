"""The command line, through typer's CliRunner (no subprocess)."""

import io
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm
from typer.testing import CliRunner

from mifeatures import rank_features
from mifeatures.cli import app, information_report, read_table
from mifeatures.datasets import load_penguins, make_clusterings, make_xor

runner = CliRunner()


def _ok(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def _one_line_exit_2(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.fixture
def discrete_data(tmp_path, rng):
    """Discrete columns only, so that scikit-learn's plug-in MI is the exact truth."""
    n = 300
    y = rng.integers(0, 3, n)
    frame = pd.DataFrame({
        "copy": np.where(rng.random(n) < 0.8, y, rng.integers(0, 3, n)),
        "colour": np.array(["red", "green", "blue"])[(y + rng.integers(0, 2, n)) % 3],
        "noise": rng.integers(0, 4, n),
        "y": y,
    })
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path, frame


def _sklearn_mi(frame, target):
    scores = {c: skm.mutual_info_score(frame[c], frame[target]) for c in frame if c != target}
    return pd.Series(scores).sort_values(ascending=False)


# -- rank ----------------------------------------------------------------------


def test_rank_with_no_data_ranks_the_bundled_penguins():
    result = _ok(["rank", "--format", "json"])
    rows = pd.DataFrame(json.loads(result.stdout))
    penguins = load_penguins()
    expected = rank_features(penguins, "species", nan_policy="omit", random_state=0)
    assert rows["feature"].tolist() == expected.index.tolist()
    np.testing.assert_allclose(rows["mi"], expected["mi"], rtol=1e-12)
    assert rows["rank"].tolist() == list(range(1, 8))
    island = rows.set_index("feature").loc["island", "mi"]
    assert island == pytest.approx(skm.mutual_info_score(penguins["island"],
                                                         penguins["species"]), rel=1e-10)


def test_rank_prints_a_table_best_first():
    output = _ok(["rank"]).stdout
    assert "Mutual information with 'species'" in output and "penguins" in output
    assert output.index("island") < output.index("year")
    assert "nats" in output


def test_rank_csv_matches_sklearn(discrete_data):
    path, frame = discrete_data
    truth = _sklearn_mi(frame, "y")
    rows = pd.read_csv(io.StringIO(_ok(["rank", str(path), "-t", "y", "--format", "csv"]).stdout))
    assert rows["feature"].tolist() == truth.index.tolist()
    np.testing.assert_allclose(rows["mi"], truth, rtol=1e-10)
    np.testing.assert_allclose(rows["normalized_mi"],
                               truth / skm.mutual_info_score(frame["y"], frame["y"]), rtol=1e-10)
    assert set(rows["kind"]) == {"discrete"}
    bits = pd.read_csv(io.StringIO(
        _ok(["rank", str(path), "-t", "y", "--format", "csv", "--bits", "-k", "2"]).stdout))
    np.testing.assert_allclose(bits["mi"], truth.iloc[:2] / np.log(2), rtol=1e-10)


def test_rank_writes_the_format_of_the_output_suffix(discrete_data, tmp_path):
    path, frame = discrete_data
    out = tmp_path / "ranking.json"
    result = _ok(["rank", str(path), "--target", "y", "--output", str(out)])
    assert "wrote" in result.output and result.stdout == ""
    rows = json.loads(out.read_text())
    assert [row["feature"] for row in rows] == _sklearn_mi(frame, "y").index.tolist()
    table = tmp_path / "ranking.txt"
    _ok(["rank", str(path), "--target", "y", "--output", str(table)])
    assert "Mutual information with 'y'" in table.read_text()


@pytest.mark.parametrize("suffix, write", [(".parquet", "to_parquet"),
                                           (".feather", "to_feather")])
def test_rank_reads_parquet_and_feather(discrete_data, tmp_path, suffix, write):
    path, frame = discrete_data
    other = tmp_path / f"data{suffix}"
    getattr(frame, write)(other)
    from_csv = _ok(["rank", str(path), "-t", "y", "--format", "json"]).stdout
    assert _ok(["rank", str(other), "-t", "y", "--format", "json"]).stdout == from_csv


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    data = tmp_path / "data.parquet"
    data.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    line = _one_line_exit_2(["rank", str(data), "-t", "y"])
    assert "pip install mifeatures[parquet]" in line


def _write(tmp_path, name, content):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    return str(path)


@pytest.mark.parametrize("make_args, message", [
    (lambda p: ["rank", str(p / "nope.csv"), "-t", "y"], "no such file"),
    (lambda p: ["rank", _write(p, "empty.csv", ""), "-t", "y"], "cannot read"),
    (lambda p: ["rank", _write(p, "header.csv", "a,y\n"), "-t", "y"], "holds no rows"),
    (lambda p: ["rank", _write(p, "d.csv", "a,b\n1,2\n3,4\n"), "-t", "y"],
     "column 'y' is not in"),
    (lambda p: ["rank", _write(p, "d.csv", "a,b\n1,2\n3,4\n")], "--target is required"),
    (lambda p: ["rank", _write(p, "mixed.csv", "a,y\n1.5,0\n2.5,1\noops,0\n3.5,1\n"), "-t",
                "y"], "column 'a'"),
    (lambda p: ["rank", _write(p, "binary.csv", b"\xff\xfe\x00\x81\xc3\x28" * 50), "-t", "y"],
     "cannot read"),
    (lambda p: ["rank", "--criterion", "nonsense"], "criterion"),
    (lambda p: ["score", str(p / "nope.csv"), "--true", "a", "--pred", "b"], "no such file"),
    (lambda p: ["score", _write(p, "d.csv", "a,b\n1,2\n3,4\n"), "--true", "a", "--pred", "c"],
     "column 'c' is not in"),
])
def test_bad_inputs_exit_2_with_one_line(tmp_path, make_args, message):
    assert message in _one_line_exit_2(make_args(tmp_path))


def test_mixed_column_message_names_the_value_and_na_values_fixes_it(tmp_path):
    path = _write(tmp_path, "mixed.csv", "a,y\n1.5,0\n2.5,1\noops,0\n3.5,1\n0.5,0\n")
    line = _one_line_exit_2(["rank", path, "-t", "y"])
    assert "'oops'" in line and "row 3" in line and "--na-values" in line
    frame, _ = read_table(Path(path), na_values=["oops"])
    assert frame["a"].dtype == np.float64 and frame["a"].isna().tolist() == [0, 0, 1, 0, 0]


def test_rank_by_a_selector_criterion_follows_its_ranking(tmp_path):
    from mifeatures.selection import MutualInfoSelector

    X, y, _ = make_xor(400, n_noise=3, random_state=0)
    path = tmp_path / "xor.csv"
    X.assign(y=y).to_csv(path, index=False)
    rows = json.loads(_ok(["rank", str(path), "-t", "y", "--criterion", "jmi", "--format",
                           "json"]).stdout)
    selector = MutualInfoSelector(criterion="jmi", k="all", random_state=0).fit(X, y)
    assert [row["feature"] for row in rows] == X.columns[selector.ranking_].tolist()
    np.testing.assert_allclose([row["criterion"] for row in rows],
                               selector.selection_path_["criterion"], rtol=1e-12)


def _benjamini_hochberg(pvalues):
    p = np.asarray(pvalues, dtype=float)
    order = np.argsort(p)
    scaled = p[order] * len(p) / np.arange(1, len(p) + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty_like(q)
    out[order] = np.minimum(q, 1.0)
    return out


def test_rank_with_permutations_and_bootstrap(discrete_data):
    path, frame = discrete_data
    rows = pd.DataFrame(json.loads(_ok(["rank", str(path), "-t", "y", "--permutations", "40",
                                        "--bootstrap", "10", "--format", "json"]).stdout))
    rows = rows.set_index("feature")
    # No permutation of y comes near the MI of an 80 % copy of y.
    assert rows.loc["copy", "pvalue"] == pytest.approx(1 / 41)
    assert rows["pvalue"].between(1 / 41, 1).all()
    np.testing.assert_allclose(rows["qvalue"], _benjamini_hochberg(rows["pvalue"]), rtol=1e-12)
    assert (rows["ci_low"] <= rows["ci_high"]).all()
    assert rows["rank_stability"].between(0, 1).all()
    table = _ok(["rank", str(path), "-t", "y", "--permutations", "40"]).stdout
    assert "p-value" in table and "q-value" in table


# -- score ---------------------------------------------------------------------


def test_score_matches_the_known_agreement(tmp_path):
    labels, truth = make_clusterings(120, 3, random_state=0)
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    names = ["identical", "permuted", "merged", "split"]
    args = ["score", str(path), "--true", "reference", "--format", "json"]
    for name in names:
        args += ["--pred", name]
    rows = pd.DataFrame(json.loads(_ok(args).stdout)).set_index("labeling")
    assert rows.index.tolist() == names and (rows["n"] == 120).all()
    for column in ("mi", "nmi", "vi"):
        np.testing.assert_allclose(rows[column], truth.loc[names, column], atol=1e-12)
    np.testing.assert_allclose(rows.loc[["identical", "permuted"], "ami"], 1.0)
    np.testing.assert_allclose(rows.loc[["identical", "permuted"], "nvi"], 0.0, atol=1e-12)
    merged = labels[["reference", "merged"]]
    joint = skm.mutual_info_score(merged["reference"] * 10 + merged["merged"],
                                  merged["reference"] * 10 + merged["merged"])
    assert rows.loc["merged", "nvi"] == pytest.approx(truth.loc["merged", "vi"] / joint)


def test_score_table_in_bits_drops_incomplete_rows(tmp_path):
    path = _write(tmp_path, "l.csv", "t,p\na,x\na,x\nb,y\nb,\n,y\n")
    output = _ok(["score", path, "--true", "t", "--pred", "p", "--bits"]).stdout
    assert "Agreement with 't'" in output and "bits" in output
    rows = json.loads(_ok(["score", path, "--true", "t", "--pred", "p", "--bits",
                           "--format", "json"]).stdout)
    assert rows[0]["n"] == 3
    assert rows[0]["mi"] == pytest.approx(skm.mutual_info_score(list("aab"), list("xxy"))
                                          / np.log(2))


# -- discretize ----------------------------------------------------------------


def test_discretize_writes_mdlp_bins_and_prints_the_cut(tmp_path, rng):
    x = np.concatenate([rng.uniform(0, 1, 60), rng.uniform(2, 3, 60)])
    y = np.repeat(["a", "b"], 60)
    frame = pd.DataFrame({"x": x, "tag": rng.integers(0, 3, 120), "y": y})
    frame.loc[5, "x"] = np.nan
    path = tmp_path / "d.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "binned.csv"
    output = _ok(["discretize", str(path), "-t", "y", "--output", str(out)]).stdout
    # The one boundary point between the classes: the midpoint of the two nearest values.
    cut = (np.nanmax(x[:60][np.arange(60) != 5]) + x[60:].min()) / 2
    assert f"{cut:.6g}" in output
    binned = pd.read_csv(out)
    assert binned["x"].isna().tolist() == frame["x"].isna().tolist()
    present = frame["x"].notna()
    np.testing.assert_array_equal(binned["x"][present], (frame["x"][present] > cut).astype(int))
    pd.testing.assert_series_equal(binned["tag"], frame["tag"])


def test_discretize_needs_a_float_column_and_the_discretizer(tmp_path, monkeypatch):
    path = _write(tmp_path, "d.csv", "a,y\n1,0\n2,1\n")
    out = str(tmp_path / "out.csv")
    assert "no float column" in _one_line_exit_2(["discretize", path, "-t", "y", "--output",
                                                  out])
    monkeypatch.setitem(sys.modules, "mifeatures.discretization", None)
    line = _one_line_exit_2(["discretize", path, "-t", "y", "--output", out])
    assert "EntropyDiscretizer" in line


# -- report (README's first command) --------------------------------------------


def test_report_on_bundled_data_ranks_informative_columns_first():
    result = runner.invoke(app, ["report"])
    assert result.exit_code == 0, result.output
    assert "penguins" in result.output
    assert result.output.index("island") < result.output.index("year")


def test_report_frame_values():
    report = information_report(load_penguins(), "species")
    assert list(report["mutual_info"]) == sorted(report["mutual_info"], reverse=True)
    assert (report["normalized_mi"].between(0, 1)).all()
    assert report.set_index("feature").loc["year", "mutual_info"] < 0.05


def test_report_bad_inputs_exit_2_with_one_line(tmp_path):
    missing = runner.invoke(app, ["report", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2 and "no such file" in missing.output
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,2\n3,4\n")
    no_target = runner.invoke(app, ["report", str(data), "--target", "species"])
    assert no_target.exit_code == 2 and "target column 'species'" in no_target.output
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    result = runner.invoke(app, ["report", str(empty)])
    assert result.exit_code == 2 and "cannot read" in result.output


# -- scale ---------------------------------------------------------------------


@pytest.mark.slow
def test_rank_finishes_on_100k_rows_by_50_columns(tmp_path, rng):
    n, p = 100_000, 50
    signal = rng.normal(size=n)
    columns = {f"c{j:02d}": rng.normal(size=n) + (signal if j < 5 else 0) for j in range(40)}
    columns |= {f"d{j:02d}": rng.integers(0, 8, n) for j in range(p - 40)}
    columns["y"] = (signal > 0).astype(int)
    path = tmp_path / "big.csv"
    pd.DataFrame(columns).to_csv(path, index=False)
    start = time.perf_counter()
    rows = json.loads(_ok(["rank", str(path), "-t", "y", "--format", "json"]).stdout)
    elapsed = time.perf_counter() - start
    print(f"mifeatures rank, {n} x {p} CSV: {elapsed:.1f} s")
    assert len(rows) == p
    assert {row["feature"] for row in rows[:5]} == {f"c{j:02d}" for j in range(5)}
