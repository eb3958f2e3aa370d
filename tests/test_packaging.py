"""The install story: pyproject.toml, environment.yml, the README's two commands and .ci/run agree, and the wheel
a reader installs (pip, Colab) carries the shipped weights and results and runs a chapter outside the repository."""

import json
import math
import re
import subprocess
import sysconfig
import tarfile
import textwrap
import tomllib
import zipfile
from pathlib import Path

import pytest
import venv_tools
import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _canonical(line: str) -> tuple[str, str, str]:
    req = Requirement(line)
    name = re.sub(r"[-_.]+", "-", req.name).lower()
    return name, str(req.specifier), str(req.marker or "")


def _pyproject_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines += [r for r in extra if not r.startswith("vaegan_edu")]  # the extras include each other
    return {_canonical(r) for r in lines}, project["requires-python"]


def _environment_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda, pip, python = set(), set(), None
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip |= {_canonical(r) for r in dep["pip"] if not r.startswith("-")}
        elif dep.startswith("python"):
            python = dep.removeprefix("python")
        elif dep != "pip":
            conda.add(_canonical(dep))
    return conda | pip, python


def test_environment_yml_lists_the_same_packages_as_pyproject():
    from_pyproject, requires_python = _pyproject_requirements()
    from_environment, python = _environment_requirements()
    assert from_environment == from_pyproject, (
        f"only in environment.yml: {sorted(from_environment - from_pyproject)}; "
        f"only in pyproject.toml: {sorted(from_pyproject - from_environment)}"
    )
    assert python == requires_python


def test_the_stack_the_book_promises_is_required():
    names = {name for name, _, _ in _pyproject_requirements()[0]}
    for needed in ("tensorflow-cpu", "keras", "ipywidgets", "jupyterlab", "matplotlib", "scikit-learn", "nbval"):
        assert needed in names


def _readme_commands():
    return re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())


def test_ci_runs_exactly_the_readme_test_command():
    setup, test = _readme_commands()[:2]
    assert "jupyter lab notebooks/00_tour.ipynb" in setup and "venv" in setup
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    assert ci[-1] == test
    assert "set -euo pipefail" in ci  # a failing pytest (including exit 5: no tests) fails CI


def test_pytest_collects_the_package_tests_and_every_notebook_in_fast_mode():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert config["testpaths"] == ["tests", "notebooks"]
    assert "--nbval-lax" in config["addopts"]
    assert 'os.environ["VAEGAN_EDU_FAST"] = "1"' in (ROOT / "conftest.py").read_text()


# === The wheel a reader installs (pip, Colab) carries the shipped files and works outside the repository ===
#
# Built from a clean copy of the checkout: the files git tracks, as they are in the working tree (so a change to
# pyproject.toml is tested before it is committed, and untracked files such as a half-computed experiment never
# are); tests/venv_tools.py builds it, offline. The wheel goes into a fresh virtual environment whose dependencies
# come from this one, and everything after that runs from a folder outside the repository.

@pytest.fixture(scope="module")
def dists(tmp_path_factory):
    """The copy of the tracked files, the sdist and the wheel built from it, and the shipped files in it."""
    return venv_tools.build_dists(tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(dists, tmp_path_factory):
    """A fresh virtual environment with the wheel installed: (venv folder, its python, an environment for it)."""
    venv = tmp_path_factory.mktemp("venv")
    # --system-site-packages reaches the base interpreter's packages, not those of a virtual environment this test
    # may run in; a .pth line adds this environment's site-packages after the new one's, so the dependencies (and
    # pip) come from here while `import vaegan_edu` finds the wheel first. Plain folder lines in a .pth do not run
    # the .pth files of that folder, so an editable install of the checkout stays out.
    outer = sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})
    python = venv_tools.make_venv(venv, with_pip=False, system_site_packages=True, path_lines=outer)
    env = venv_tools.clean_env()
    # --ignore-installed: never uninstall the vaegan_edu that this environment may hold (an editable checkout)
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed",
                    str(dists.wheel)], check=True, env=env)  # fmt: skip
    return venv, python, env


def _run_outside(installed, tmp_path, script):
    """Run ``script`` with the virtual environment's python in ``tmp_path``; its last stdout line is JSON."""
    venv, python, env = installed
    done = subprocess.run([str(python), "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_setuptools_packages_list_every_subpackage():
    listed = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "vaegan_edu").rglob("__init__.py")}
    assert {p for p in listed if not p.startswith(("vaegan_edu._shipped", "vaegan_edu._chapters"))} == on_disk


def test_sdist_and_wheel_carry_every_shipped_file(dists):
    sdist, wheel, shipped = dists.sdist, dists.wheel, dists.shipped
    assert "data/weights/MANIFEST.json" in shipped and any(p.endswith(".keras") for p in shipped)
    with tarfile.open(sdist) as tar:
        in_sdist = {m.name.split("/", 1)[1] for m in tar.getmembers() if m.isfile()}
    with zipfile.ZipFile(wheel) as whl:
        in_wheel = {i.filename: i.file_size for i in whl.infolist()}
    assert set(shipped) <= in_sdist, f"missing from the sdist: {sorted(set(shipped) - in_sdist)}"
    for path in shipped:
        packaged = "vaegan_edu/_shipped/" + path.removeprefix("data/")
        assert in_wheel.get(packaged) == (dists.source / path).stat().st_size, f"{packaged} missing or different"
    modules = {str(p.relative_to(dists.source)) for p in (dists.source / "vaegan_edu").rglob("*.py")}
    assert modules <= set(in_wheel), f"modules missing from the wheel: {sorted(modules - set(in_wheel))}"
    chapters = sorted(p.name for p in (dists.source / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [n for n in chapters if f"vaegan_edu/_chapters/{n}" not in in_wheel] == [], "chapters missing"
    assert {"vaegan_edu/fonts/cmti10.ttf", "vaegan_edu/fonts/LICENSE_BAKOMA"} <= set(in_wheel)
    # a quick install on Colab: about 25 MB with the chapters, the converged picture models and chapter 04's three
    # 16-latent VAEs (December 2026); the studies' results still to come need room
    assert wheel.stat().st_size < 30e6
    readme = (ROOT / "README.md").read_text()
    megabytes = wheel.stat().st_size / 1e6  # the README's whole number of MB, rounded either way
    assert any(f"a {n} MB wheel" in readme for n in (math.floor(megabytes), math.ceil(megabytes))), (
        f"the README gives the wheel's size: {megabytes:.1f} MB")


def test_installed_wheel_loads_and_verifies_every_pretrained_model(dists, installed, tmp_path):
    venv = installed[0]
    script = textwrap.dedent("""
        import json, vaegan_edu
        from vaegan_edu import weights
        models = {name: type(weights.load_pretrained(name)).__name__ for name in sorted(weights.read_manifest())}
        status = weights.main(["verify"])  # also the command line: prints one "ok" line per file
        print(json.dumps({"package": vaegan_edu.__file__, "weights": str(weights.weights_dir()), "models": models,
                          "verify": status}))
    """)
    found = _run_outside(installed, tmp_path, script)
    assert Path(found["package"]).is_relative_to(venv), found["package"]
    assert Path(found["weights"]) == Path(found["package"]).parent / "_shipped" / "weights"
    manifest = json.loads((dists.source / "data" / "weights" / "MANIFEST.json").read_text())["files"]
    assert found["models"] == {name: entry["class"] for name, entry in manifest.items()}
    assert found["verify"] == 0


def test_installed_wheel_reads_the_shipped_experiment_results(dists, installed, tmp_path):
    script = textwrap.dedent("""
        import json
        from vaegan_edu import experiments
        folder = experiments.experiments_dir()
        print(json.dumps({"folder": str(folder), "files": sorted(p.name for p in folder.glob("*.json"))}))
    """)
    found = _run_outside(installed, tmp_path, script)
    assert Path(found["folder"]).is_relative_to(installed[0]), found["folder"]
    assert found["files"] == sorted(Path(p).name for p in dists.shipped if p.startswith("data/experiments/"))


def test_installed_wheel_runs_a_chapter_outside_the_repository(dists, installed, tmp_path):
    import nbformat

    venv, python, env = installed
    chapter = tmp_path / "chapters" / "01_kl_divergence.ipynb"
    chapter.parent.mkdir()
    nb = nbformat.read(dists.source / "notebooks" / chapter.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys, vaegan_edu\nprint(vaegan_edu.__file__)\nprint(sys.executable)"))
    nbformat.write(nb, chapter)
    # the reader's command, from the wheel's console script: a fresh kernel runs every cell in fast mode
    done = subprocess.run([str(venv / "bin" / "vaegan-edu-book"), "run", "--fast", "--no-html", "--notebooks",
                           str(chapter.parent), "--out", str(tmp_path / "build")], cwd=tmp_path, env=env,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    executed = nbformat.read(tmp_path / "build" / chapter.name, as_version=4)
    package, kernel = executed.cells[-1].outputs[0]["text"].split()
    assert Path(package).is_relative_to(venv) and Path(kernel).parent == venv / "bin", (package, kernel)


def test_installed_wheel_gives_a_pip_user_the_chapters_and_says_what_needs_a_checkout(dists, installed, tmp_path):
    venv, python, env = installed
    book = [str(venv / "bin" / "vaegan-edu-book")]
    done = subprocess.run(book + ["chapters", "my book"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    copied = sorted(p.name for p in (tmp_path / "my book").glob("*.ipynb"))
    assert copied == sorted(p.name for p in (dists.source / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for command in (["guide"], ["colab"], ["exercises"]):
        done = subprocess.run(book + command, cwd=tmp_path, env=env, capture_output=True, text=True)
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and "of a checkout of the book" in lines[0], done.stderr
