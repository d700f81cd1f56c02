from typer.testing import CliRunner

from mifeatures.cli import app, information_report
from mifeatures.datasets import load_penguins

runner = CliRunner()


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


def test_bad_inputs_exit_2_with_one_line(tmp_path):
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
