"""Sphinx configuration of the skvae documentation."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause
#
# Environment variables:
#   SKVAE_DOC_FAST=1         build without executing the gallery examples (plot_gallery=False).
#   SKVAE_DOC_INTERSPHINX=1  link to the Python, NumPy, SciPy, scikit-learn, PyTorch, skorch and
#                            matplotlib docs through intersphinx (downloads their inventories,
#                            so it needs the network). Off by default: a build never goes online.

import os
import subprocess
import sys
from pathlib import Path

from docutils import nodes

import skvae

DOC_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(DOC_DIR))  # make_figures

project = "skvae"
author = "The skvae developers"
copyright = "2026, The skvae developers"
version = release = skvae.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "sphinx_design",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "examples/README.txt"]
root_doc = "index"
default_role = "literal"

# -- autodoc / autosummary / numpydoc -----------------------------------------------------
autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# Docstrings are validated by tests/test_docstrings.py, not during the build.
numpydoc_validation_checks = set()

# -- intersphinx: offline unless asked for --------------------------------------------------
INTERSPHINX_TARGETS = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}
intersphinx_mapping = INTERSPHINX_TARGETS if os.environ.get("SKVAE_DOC_INTERSPHINX") else {}
intersphinx_disabled_reftypes = ["*"]

# -- sphinx-gallery -----------------------------------------------------------------------
FAST = os.environ.get("SKVAE_DOC_FAST", "0") not in ("", "0")
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # execute every plot_*.py
    "ignore_pattern": r"__init__\.py",
    "plot_gallery": not FAST,
    "doc_module": ("skvae",),
    "backreferences_dir": "generated",
    "reference_url": {"skvae": None},
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "show_memory": False,
    "min_reported_time": 5,
    "abort_on_example_error": True,
}

# -- HTML ---------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skvae {release}"
html_static_path = ["_static"]
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "header_links_before_dropdown": 8,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_context = {"default_mode": "light"}
html_show_sourcelink = True
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True


# -- glossary terms of scikit-learn without the network --------------------------------------
SKLEARN_GLOSSARY = "https://scikit-learn.org/stable/glossary.html#term-"


def _sklearn_term(app, env, node, contnode):
    """Resolve ``:term:`` references missing here to scikit-learn's glossary (offline)."""
    if node.get("refdomain") != "std" or node.get("reftype") != "term":
        return None
    target = node["reftarget"].lower().replace(" ", "-").replace("_", "-")
    ref = nodes.reference("", "", internal=False, refuri=SKLEARN_GLOSSARY + target)
    ref.append(contnode)
    return ref


def _skip_foreign_member(app, what, name, obj, skip, options):
    """Document only members defined by skvae (not torch's, numpy's or tuple's)."""
    if skip or what != "class":
        return skip
    target = obj.fget if isinstance(obj, property) else obj
    module = getattr(target, "__module__", None) or ""
    if not module.startswith("skvae"):
        return True
    return None


def _cli_help(app):
    """Write ``skvae --help`` and ``skvae demo --help`` for the CLI page."""
    out = DOC_DIR / "generated"
    out.mkdir(exist_ok=True)
    for args, name in ([[], "cli_help.txt"], [["demo"], "cli_demo_help.txt"]):
        text = subprocess.run(
            [sys.executable, "-m", "skvae", *args, "--help"],
            capture_output=True, text=True, check=True,
            env={**os.environ, "COLUMNS": "88"},
        ).stdout
        (out / name).write_text(text)


def _figures(app):
    """Figures of the user guide (doc/make_figures.py; a few seconds, no VAE training)."""
    import make_figures

    make_figures.main(DOC_DIR / "_static" / "figures")


def setup(app):
    app.connect("builder-inited", _cli_help)
    app.connect("builder-inited", _figures)
    app.connect("missing-reference", _sklearn_term)
    app.connect("autodoc-skip-member", _skip_foreign_member)
