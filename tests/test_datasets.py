import pandas as pd

from mifeatures import mutual_info
from mifeatures.datasets import load_penguins


def test_penguins_match_their_readme():
    frame = load_penguins()
    assert frame.shape == (344, 8)
    assert frame["sex"].isna().sum() == 11
    assert frame[["bill_length_mm", "body_mass_g"]].isna().sum().tolist() == [2, 2]
    assert isinstance(frame["species"].dtype, pd.CategoricalDtype)
    assert set(frame["species"].cat.categories) == {"Adelie", "Chinstrap", "Gentoo"}


def test_penguins_ground_truth():
    frame = load_penguins()
    island = mutual_info(frame["island"], frame["species"], base=2)
    year = mutual_info(frame["year"], frame["species"], base=2)
    assert island > 0.5 > 0.05 > year
