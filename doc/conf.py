"""Sphinx configuration of the skvae documentation."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause
#
# Environment variables:
#   SKVAE_DOC_FAST=1         build without executing the gallery examples (plot_gallery=False).
#   SKVAE_DOC_INTERSPHINX=1  link to the Python, NumPy, SciPy, scikit-learn, PyTorch, skorch and
#                            matplotlib docs through intersphinx (downloads their inventories,
#                            so it needs the network). Off by default: a build never goes online.
#   SKVAE_DOC_TORCH_THREADS  torch threads used while running the examples (default 1).

import os
import re
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

# -- sphinx-gallery -----------------------------------------------------------------------
# The examples run in this process. Their models are small, so one torch thread costs little,
# and it avoids OpenMP oversubscription on a busy machine (measured on a loaded 2-core
# machine: 34 s with one thread against 366 s with two for plot_fit_bfvae.py).
import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("SKVAE_DOC_TORCH_THREADS", "1")))

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
    target = re.sub(r"[^a-z0-9._]+", "-", node["reftarget"].lower())
    ref = nodes.reference("", "", internal=False, refuri=SKLEARN_GLOSSARY + target)
    ref.append(contnode)
    return ref


#: A bare fitted-attribute name in a shape, e.g. ``of shape (n_components_,)``, is an RST
#: reference (``name_``) and breaks the build; scikit-learn writes it as ```n_features_in_```.
_SHAPE_ATTRIBUTE = re.compile(r"(?<![`\w])([A-Za-z]\w*_)(?=[,)]|$)")


def _quote_shape_attributes(app, what, name, obj, options, lines):
    """Quote fitted-attribute names inside ``shape (...)`` so docutils does not see links."""
    for i, line in enumerate(lines):
        if "shape (" in line:
            lines[i] = re.sub(r"shape \(([^)]*)\)",
                              lambda m: "shape (" + _SHAPE_ATTRIBUTE.sub(r"`\1`", m[1]) + ")",
                              line)


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
    """Write generated/cli_commands.rst: ``skvae --help`` and every subcommand's help."""
    import argparse

    from skvae.cli._main import build_parser

    columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "88"
    try:
        parser = build_parser()
        parts = [".. code-block:: text", "", *("   " + line for line in
                                                parser.format_help().splitlines()), ""]
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        helps = {choice.dest: choice.help for choice in sub._choices_actions}
        for name, subparser in sub.choices.items():
            title = f"``skvae {name}``"
            summary = helps.get(name) or ""
            parts += [title, "-" * len(title), "", summary[:1].upper() + summary[1:] + ".",
                      "", ".. code-block:: text", ""]
            parts += ["   " + line for line in subparser.format_help().splitlines()] + [""]
    finally:
        if columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = columns
    out = DOC_DIR / "generated"
    out.mkdir(exist_ok=True)
    text = "\n".join(parts)
    target = out / "cli_commands.rst"
    if not target.exists() or target.read_text() != text:  # rewrite only on change
        target.write_text(text)


def _figures(app):
    """Figures of the user guide (doc/make_figures.py; a few seconds, no VAE training)."""
    import make_figures

    make_figures.main(DOC_DIR / "_static" / "figures")


def setup(app):
    app.connect("builder-inited", _cli_help)
    app.connect("builder-inited", _figures)
    app.connect("missing-reference", _sklearn_term)
    app.connect("autodoc-skip-member", _skip_foreign_member)
    app.connect("autodoc-process-docstring", _quote_shape_attributes)
