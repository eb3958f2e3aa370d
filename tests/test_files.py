"""Safe file writes: temporary names that carry the writer's process id, and leftovers of dead writers removed."""

import os
import subprocess
import sys

from vaegan_edu import files


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout)


def test_temporary_names_carry_the_pid_and_sit_beside_the_target(tmp_path):
    target = tmp_path / "model.weights.h5"
    assert files.temporary_path(target, ".weights.h5") == tmp_path / f".model.tmp{os.getpid()}.weights.h5"
    unique = files.temporary_path(target, ".weights.h5", unique=True)  # created, with a random token
    assert unique.exists() and unique.parent == tmp_path
    assert unique.name.startswith(f".model.tmp{os.getpid()}-") and unique.name.endswith(".weights.h5")
    assert unique != files.temporary_path(target, ".weights.h5", unique=True)


def test_only_leftovers_of_dead_writers_of_this_file_are_removed(tmp_path):
    target = tmp_path / "a[1].json"  # glob's special characters in a name are taken literally
    dead, live = _dead_pid(), os.getppid()
    names = {
        f".a[1].tmp{dead}.json": False,  # a killed writer of this file: removed
        f".a[1].tmp{dead}-x_9.json": False,  # the same, with a token
        f".a[1].tmp{live}.json": True,  # a write in progress: kept
        f".a[1].tmp{dead}.keras": True,  # another suffix
        f".b.tmp{dead}.json": True,  # another file
        "a[1].json": True,  # the target itself
    }
    for name in names:
        (tmp_path / name).write_text("x")
    removed = files.remove_dead_temporaries(target, ".json")
    assert sorted(p.name for p in removed) == sorted(n for n, kept in names.items() if not kept)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(n for n, kept in names.items() if kept)


def test_pid_alive():
    assert files.pid_alive(os.getpid()) and files.pid_alive(os.getppid())
    assert not files.pid_alive(_dead_pid())
