"""Fresh virtual environments and the package built from a clean copy of the checkout, for the install tests.

Shared by tests/test_packaging.py (the wheel in a fresh environment, outside the repository) and
tests/test_colab.py (the setup cell in an environment with Colab's versions). Not a test module.
"""

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ("data/README.md", "data/weights/", "data/experiments/")  # what vaegan_edu/_shipped/ holds in a wheel


def tracked_files():
    """Paths (relative to ROOT) of the files git tracks, or skip when this is not a git checkout."""
    try:
        listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("building from a clean copy needs a git checkout")
    return [p for p in listing.decode().split("\0") if p and (ROOT / p).is_file()]  # a deleted file is not copied


def build_dists(source: Path, out: Path):
    """Copy the tracked files (as they are in the working tree) to ``source``, build the sdist and wheel into ``out``.

    `python -m build --no-isolation` builds the sdist and then the wheel from the unpacked sdist, offline, with the
    setuptools of this environment (the test extra installs it). Returns the copy, the sdist, the wheel and the
    shipped files among the tracked ones; later checks compare with the copy, not the checkout, whose experiment
    results may change while a run writes.
    """
    import importlib.util

    if importlib.util.find_spec("build") is None:
        pytest.fail("PyPA's build is missing: install the test tools with `pip install -e '.[test]'`")
    tracked = tracked_files()
    for path in tracked:
        (source / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, source / path)
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    (sdist,), (wheel,) = sorted(out.glob("*.tar.gz")), sorted(out.glob("*.whl"))
    shipped = sorted(p for p in tracked if p.startswith(SHIPPED))
    return types.SimpleNamespace(source=source, sdist=sdist, wheel=wheel, shipped=shipped)


def site_packages(python: Path) -> Path:
    """The site-packages folder of the environment whose interpreter is ``python``."""
    done = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return Path(done.stdout.strip())


def clean_env(**extra) -> dict:
    """This process's environment without what would leak another installation into a child interpreter."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "VAEGAN_EDU_WEIGHTS", "VAEGAN_EDU_EXPERIMENTS")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONNOUSERSITE"] = "1"
    env.update(extra)
    return env


def make_venv(folder: Path, *, with_pip=True, system_site_packages=False, path_lines=(), site_dirs=()) -> Path:
    """Create a virtual environment in ``folder``; returns its python.

    ``path_lines`` go into a .pth file as plain folder lines: they join ``sys.path`` after the environment's own
    site-packages, but the .pth files inside them do not run (so an editable install found there stays out).
    ``site_dirs`` are added with ``site.addsitedir``, .pth files and all, as if they were the environment's own.
    """
    base = getattr(sys, "_base_executable", sys.executable)  # not a virtual environment's python: no nesting
    args = [base, "-m", "venv"] + ([] if with_pip else ["--without-pip"])
    args += ["--system-site-packages"] if system_site_packages else []
    subprocess.run(args + [str(folder)], check=True)
    python = folder / "bin" / "python"
    lines = [f"{p}\n" for p in path_lines] + [f"import site; site.addsitedir({str(p)!r})\n" for p in site_dirs]
    if lines:
        (site_packages(python) / "_outer_environment.pth").write_text("".join(lines))
    return python
