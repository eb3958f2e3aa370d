"""Where the book lives: the GitHub repository and branch that the Colab badges and setup cells point to.

This is the one place that says it. A lecturer who forks the book runs, in the fork's checkout::

    python -m vaegan_edu.book colab --repo OWNER/NAME --branch main

which rewrites the two constants below, the project URL in ``pyproject.toml``, the Colab link in the README and
every chapter's badge and setup cell (``tests/test_notebooks.py`` fails when they disagree). Nothing else in the
package reads these constants at run time.

Taught in: 00_tour
"""

from __future__ import annotations

import re

REPOSITORY = "vaegan-edu/vaegan_edu"  # GitHub owner/name
BRANCH = "main"  # the branch Colab opens and installs from

_REPOSITORY_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?/[A-Za-z0-9._-]+")
_BRANCH_RE = re.compile(r"[A-Za-z0-9._/-]+")


def check(repository: str, branch: str) -> None:
    """Raise ``ValueError`` unless ``repository`` looks like GitHub's OWNER/NAME and ``branch`` like a branch name.

    The strings go into URLs and generated code, so quotes, spaces and other odd characters are refused.
    """
    if not isinstance(repository, str) or not _REPOSITORY_RE.fullmatch(repository):
        raise ValueError(
            f"`repository` must be GitHub's OWNER/NAME (letters, digits, '-', and '.', '_' in the name); received "
            f"{repository!r}. For https://github.com/alice/vae-course use --repo alice/vae-course."
        )
    if not isinstance(branch, str) or not _BRANCH_RE.fullmatch(branch) or ".." in branch or branch.endswith("/"):
        raise ValueError(
            f"`branch` must be a git branch name (letters, digits, '.', '_', '-', '/'); received {branch!r}, "
            f"e.g. --branch main."
        )


def colab_url(notebook: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The address that opens ``notebooks/<notebook>`` of the repository in Colab."""
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{notebook}"


def archive_url(repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The branch as a zip archive: what the setup cell installs on Colab (no git history to clone)."""
    return f"https://github.com/{repository}/archive/refs/heads/{branch}.zip"


def home_url(repository: str = REPOSITORY) -> str:
    """The repository's GitHub page."""
    return f"https://github.com/{repository}"
