"""Issue 33: the experiments runner never discards or mixes work, and its command line answers in one line."""

import json
import threading
import time

import pytest
from test_experiments_runner import CALLS, toy  # noqa: F401  (the toy protocol fixture)

from vaegan_edu import experiments
from vaegan_edu.experiments.__main__ import main as cli
from vaegan_edu.experiments.results import read


@pytest.fixture
def finished(toy, tmp_path):  # noqa: F811
    experiments.run("toy", seeds=[0, 1], directory=tmp_path, say=lambda t: None)
    path = tmp_path / "toy.json"
    return path, path.read_bytes()


def _edit(path, change):
    payload = json.loads(path.read_text())
    change(payload)
    path.write_text(json.dumps(payload))


def test_a_damaged_file_stops_the_run_naming_it_and_is_left_untouched(finished):
    path, original = finished
    damaged = original.replace(b"}\n", b"},\n", 1)  # one trailing comma, as a hand edit leaves it
    path.write_bytes(damaged)
    CALLS.clear()
    with pytest.raises(experiments.ResultsError, match=f"{path}.*cannot be read as results.*untouched.*--restart"):
        experiments.run("toy", seeds=[0, 1, 2], directory=path.parent, say=lambda t: None)
    assert path.read_bytes() == damaged and CALLS == []  # no seed recomputed, nothing overwritten


def test_restart_moves_a_damaged_file_aside_to_a_named_backup(finished):
    path, original = finished
    path.write_bytes(original[:-40])
    said = []
    experiments.run("toy", seeds=[0], directory=path.parent, restart=True, say=said.append)
    [backup] = path.parent.glob("toy.json.*.bak")
    assert backup.read_bytes() == original[:-40] and str(backup) in " ".join(said)


@pytest.mark.parametrize("damage, message", [
    (lambda p: p["seeds"].__setitem__("-1", p["seeds"]["0"]), "'-1' under `seeds` is not a seed"),
    (lambda p: p["seeds"].__setitem__("abc", p["seeds"]["0"]), "'abc' under `seeds` is not a seed"),
    (lambda p: p["seeds"]["0"]["variants"]["a"].__setitem__("loss", True), "'loss' is True, not a number"),
    (lambda p: p["seeds"]["0"]["variants"]["a"].__setitem__("loss", "1.5"), "'loss' is '1.5', not a number"),
    (lambda p: p["config"].__setitem__("effect", 3.0), "config does not have the hash it records"),
])  # fmt: skip
def test_files_that_would_mix_or_misread_work_are_refused(finished, damage, message):
    path, _ = finished
    _edit(path, damage)
    with pytest.raises(experiments.ResultsError, match=message):
        read(path)
    with pytest.raises(experiments.ResultsError):  # and the run stops instead of resuming into it
        experiments.run("toy", seeds=[0, 1, 2], directory=path.parent, say=lambda t: None)


def test_duplicate_keys_and_latin_1_bytes_are_refused(finished):
    path, original = finished
    text = original.decode()
    path.write_text(text.replace('"protocol": "toy",', '"protocol": "toy", "protocol": "toy",', 1))
    with pytest.raises(experiments.ResultsError, match=r"key\(s\) \['protocol'\] appear twice"):
        read(path)
    path.write_bytes(original.replace(b'"toy study"', '"toy \u00e9tude"'.encode("latin-1")))
    with pytest.raises(experiments.ResultsError, match="UnicodeDecodeError"):
        read(path)


def test_two_runs_into_one_folder_keep_each_others_seeds(toy, tmp_path):  # noqa: F811
    def slowly(text):
        time.sleep(0.05)  # interleave the two runs' writes

    runs = [threading.Thread(target=experiments.run, args=("toy",),
                             kwargs=dict(seeds=seeds, directory=tmp_path, say=slowly)) for seeds in ([0, 1, 2], [3, 4])]  # fmt: skip
    for thread in runs:
        thread.start()
    for thread in runs:
        thread.join()
    assert sorted(read(tmp_path / "toy.json")["seeds"]) == ["0", "1", "2", "3", "4"]
    assert not list(tmp_path.glob(".toy.tmp*"))


def test_list_and_verify_report_a_bad_file_and_ignore_quick_runs(toy, tmp_path, capsys):  # noqa: F811
    experiments.run("toy", seeds=5, directory=tmp_path, say=lambda t: None)
    experiments.run("toy", quick=True, directory=tmp_path, say=lambda t: None)
    assert cli(["verify", "--dir", str(tmp_path)]) == 0  # toy.quick.json beside it breaks nothing
    (tmp_path / "toy.json").write_bytes(b"\xe9t\xe9")
    assert cli(["list", "--dir", str(tmp_path)]) == 0
    assert "unreadable" in capsys.readouterr().out
    assert cli(["verify", "--dir", str(tmp_path)]) == 1
    assert "FAIL toy:" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["run", "no_such_study"], "no_such_study"),
    (["run", "toy", "--seeds", "1000000000"], "--seeds must be between 1 and 1000"),
    (["run", "toy", "--seeds", "0"], "--seeds must be between 1 and 1000"),
    (["run", "toy", "--workers", "2", "--scheduler", "tcp://x:1"], "not both"),
])  # fmt: skip
def test_command_line_errors_are_one_line_without_a_traceback(toy, tmp_path, capsys, argv, says):  # noqa: F811
    assert cli(argv + ["--dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and says in err and "Traceback" not in err, err
    with pytest.raises(Exception):
        cli(["--debug"] + argv + ["--dir", str(tmp_path)])


def test_a_damaged_file_reaches_the_command_line_as_one_line(finished, capsys):
    path, original = finished
    path.write_bytes(original[:-10])
    assert cli(["run", "toy", "--dir", str(path.parent)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(path) in err and "--restart" in err


def test_a_run_killed_mid_study_resumes_to_the_uninterrupted_file(tmp_path):
    """kill -9 of the process after its first seed: the file holds that seed, and the next run finishes the rest
    with the numbers of a run that was never interrupted."""
    import os
    import signal
    import subprocess
    import sys

    small = ('{"ring8": {"n": 1000, "seed": 0, "data_scale": 1.0}}', '{"GAN": {}}')
    script = ("import json, sys; from vaegan_edu import experiments; experiments.run('mode_collapse', quick=True, "
              f"seeds=[0, 1, 2], directory=sys.argv[1], say=lambda t: print(t, flush=True), "
              f"datasets=json.loads('{small[0]}'), models=json.loads('{small[1]}'))")  # fmt: skip
    killed, whole = tmp_path / "killed", tmp_path / "whole"
    process = subprocess.Popen([sys.executable, "-c", script, str(killed)], stdout=subprocess.PIPE, text=True)
    for line in process.stdout:  # wait until seed 0 is written, then kill without warning
        if "seed 0" in line and "done" in line:
            os.kill(process.pid, signal.SIGKILL)
            break
    process.wait()
    assert sorted(read(killed / "mode_collapse.quick.json")["seeds"]) == ["0"]
    for folder in (killed, whole):
        done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-2000:]
    tables = [{s: e["variants"] for s, e in read(f / "mode_collapse.quick.json")["seeds"].items()} for f in (killed, whole)]
    assert tables[0] == tables[1] and sorted(tables[0]) == ["0", "1", "2"]


def test_two_processes_running_into_one_folder_keep_each_others_seeds(tmp_path):
    import subprocess
    import sys

    script = ("import sys; from vaegan_edu import experiments; experiments.run('saturation', quick=True, "
              "seeds=[int(s) for s in sys.argv[2].split(',')], directory=sys.argv[1], say=lambda t: None)")
    runs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path), seeds], stderr=subprocess.PIPE, text=True)
            for seeds in ("0,2", "1,3")]  # fmt: skip
    for run in runs:
        assert run.wait() == 0, run.stderr.read()[-2000:]
    assert sorted(read(tmp_path / "saturation.quick.json")["seeds"]) == ["0", "1", "2", "3"]
