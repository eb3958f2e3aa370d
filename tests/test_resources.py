"""Where the shipped files are found: the checkout's data/, package data in an installed wheel, the overrides.

The installed case for real (a wheel built, installed and run outside the repository) is in tests/test_packaging.py.
"""

from pathlib import Path

import pytest

from vaegan_edu import resources, weights

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("kind", resources.KINDS)
def test_a_checkout_reads_and_writes_its_own_data_folder(kind):
    assert resources.shipped_dir(kind) == ROOT / "data" / kind
    assert not (ROOT / "vaegan_edu" / resources.PACKAGE_DATA).exists()  # else a checkout would read a stale copy


def test_an_installed_package_reads_its_package_data(tmp_path, monkeypatch):
    (tmp_path / resources.PACKAGE_DATA / "weights").mkdir(parents=True)  # what pip unpacks from the wheel
    monkeypatch.setattr(resources.importlib.resources, "files", lambda package: tmp_path)
    assert resources.shipped_dir("weights") == tmp_path / resources.PACKAGE_DATA / "weights"
    assert resources.shipped_dir("experiments") == ROOT / "data" / "experiments"  # not in that package: data/


def test_the_environment_variable_overrides_the_weights_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.WEIGHTS_DIR_ENV, str(tmp_path))
    assert weights.weights_dir() == tmp_path
    monkeypatch.delenv(weights.WEIGHTS_DIR_ENV)
    assert weights.weights_dir() == resources.shipped_dir("weights")


def test_an_unknown_kind_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"Expected one of \('weights', 'experiments'\). Received: kind='models'"):
        resources.shipped_dir("models")
