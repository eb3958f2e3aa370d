"""Issue 33: seeds as Dask tasks give the file a serial run gives, merged under the runner's lock."""

import os

import pytest
from test_experiments_runner import toy  # noqa: F401  (the toy protocol fixture)

from vaegan_edu import experiments
from vaegan_edu.experiments import mode_collapse as mc
from vaegan_edu.experiments.results import read

pytest.importorskip("distributed")


def _tables(path):
    return {seed: entry["variants"] for seed, entry in read(path)["seeds"].items()}


def test_thread_workers_give_the_serial_runs_tables_and_resume(toy, tmp_path):  # noqa: F811
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    experiments.run("toy", seeds=5, directory=serial, say=lambda t: None)
    experiments.run("toy", seeds=[1, 3], directory=parallel, say=lambda t: None)  # two seeds already done
    said = []
    result = experiments.run_distributed("toy", directory=parallel, workers=2, processes=False, say=said.append)
    assert _tables(parallel / "toy.json") == _tables(serial / "toy.json")
    assert sorted(result.seeds) == [0, 1, 2, 3, 4] and "2 of 5 seeds already done; 3 task(s)" in said[0]
    assert sum("done on a worker" in line for line in said) == 3  # progress per task


def test_process_workers_train_a_small_protocol_exactly_as_a_serial_run(tmp_path):
    # a real protocol (2-D GANs trained by Keras) in two worker processes, against the same seeds run serially
    before = os.environ.get("OMP_NUM_THREADS")
    small = dict(datasets={"ring8": mc.DATASETS["ring8"] | {"n": 1_000}}, models={"GAN": {}, "PacGAN2": {"pack": 2}})
    experiments.run("mode_collapse", quick=True, seeds=[0, 1], directory=tmp_path / "serial", say=lambda t: None,
                    **small)  # fmt: skip
    experiments.run_distributed("mode_collapse", quick=True, seeds=[0, 1], directory=tmp_path / "dask", workers=2,
                                say=lambda t: None, **small)  # fmt: skip
    serial, dask = (_tables(tmp_path / d / "mode_collapse.quick.json") for d in ("serial", "dask"))
    assert serial == dask and len(serial) == 2
    assert "OMP_NUM_THREADS" not in os.environ or os.environ["OMP_NUM_THREADS"] == before  # this process untouched


def test_bad_cluster_arguments_are_refused(toy, tmp_path):  # noqa: F811
    with pytest.raises(ValueError, match="not both"):
        experiments.run_distributed("toy", directory=tmp_path, workers=2, scheduler="tcp://127.0.0.1:1")
    with pytest.raises(ValueError, match="scheduler's address"):
        experiments.run_distributed("toy", directory=tmp_path, scheduler="localhost")
    with pytest.raises(ValueError, match="workers"):
        experiments.run_distributed("toy", directory=tmp_path, workers=0)
