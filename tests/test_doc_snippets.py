"""The Python snippets of the README and the documentation pages run as written.

The snippets of one page run in order in one namespace (a later snippet may use what an
earlier one defined), in a temporary working directory. The gallery examples are run by
the documentation build instead.
"""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
PAGES = [
    "README.md",
    "doc/index.rst",
    "doc/quickstart.rst",
    *sorted(str(page.relative_to(ROOT)) for page in (ROOT / "doc/user_guide").glob("*.rst")),
]
#: (page, snippet index): why that snippet is not run here.
NOT_RUN = {
    ("doc/user_guide/dask.rst", 0): "connects to an existing cluster; tests/test_dask.py "
                                    "makes the same calls on a LocalCluster",
}
if not torch.cuda.is_available():
    NOT_RUN["doc/user_guide/gpu.rst", 0] = (
        "a GPU-sized fit (batch 4096: the pairwise TC estimator takes minutes on a CPU)")
_RST_BLOCK = re.compile(r"^\.\. code-block:: python\n((?:[ \t]*\n|[ \t]+\S.*\n)+)", re.M)
_MARKDOWN_BLOCK = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


def python_snippets(text, markdown):
    """The Python code blocks of a page, dedented, in order."""
    if markdown:
        return _MARKDOWN_BLOCK.findall(text)
    snippets = []
    for body in _RST_BLOCK.findall(text):
        lines = [line for line in body.splitlines() if line.strip()]
        indent = min(len(line) - len(line.lstrip()) for line in lines)
        snippets.append("\n".join(line[indent:] for line in body.splitlines()))
    return snippets


def test_snippet_parser_finds_every_block():
    text = "Intro\n\n.. code-block:: python\n\n   a = 1\n\n   b = a + 1\nText\n\n" \
           ".. code-block:: bash\n\n   ls\n\n.. code-block:: python\n\n    c = 3\n"
    assert python_snippets(text, markdown=False) == ["\na = 1\n\nb = a + 1", "\nc = 3"]
    assert python_snippets("x\n```python\nd = 4\n```\n```bash\nls\n```\n", markdown=True) \
        == ["d = 4\n"]


def _has_snippets(page):
    return python_snippets((ROOT / page).read_text(), page.endswith(".md")) != []


@pytest.mark.slow
@pytest.mark.parametrize("page", [page for page in PAGES if _has_snippets(page)])
def test_page_snippets_run(page, tmp_path, monkeypatch):
    text = (ROOT / page).read_text()
    markdown = page.endswith(".md")
    snippets = python_snippets(text, markdown)
    assert len(snippets) == text.count("```python" if markdown else ".. code-block:: python")
    to_run = [(index, snippet) for index, snippet in enumerate(snippets)
              if (page, index) not in NOT_RUN]
    if not to_run:
        pytest.skip(" / ".join(NOT_RUN[page, index] for index in range(len(snippets))))
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__doc_snippet__"}
    for index, snippet in to_run:
        try:
            exec(compile(snippet, f"{page}[{index}]", "exec"), namespace)
        finally:
            plt.close("all")
