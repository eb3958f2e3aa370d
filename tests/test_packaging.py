"""The install story: pyproject.toml, environment.yml, the README's two commands and .ci/run agree."""

import re
import tomllib
from pathlib import Path

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
