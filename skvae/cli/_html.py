"""Self-contained HTML pages (report, comparison): string templates, PNGs as data URIs."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import base64
import html
import math
from string import Template

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="skvae $version">
<title>$title</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: #1f2328; background: #ffffff; margin: 0; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 32px 48px; }
h1 { font-size: 1.8em; margin: 0.2em 0 0.1em; }
h2 { font-size: 1.35em; margin-top: 1.8em; border-bottom: 1px solid #d0d7de;
     padding-bottom: 0.2em; }
h3 { font-size: 1.1em; margin-top: 1.2em; }
.subtitle { color: #59636e; margin-top: 0; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #d0d7de; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.informative td { background: #eef6ff; }
.headline { font-size: 1.25em; margin: 0.8em 0; }
.headline b { font-size: 1.3em; }
figure { margin: 1em 0 0.5em; }
figure img { max-width: 100%; height: auto; border: 1px solid #d0d7de; background: #fff; }
figcaption { color: #59636e; font-size: 0.9em; }
.howto { background: #f6f8fa; border-left: 4px solid #0969da; padding: 8px 14px; margin: 0.6em 0; }
.note { color: #9a6700; }
pre { background: #f6f8fa; padding: 10px 14px; overflow-x: auto; white-space: pre-wrap;
      word-break: break-all; }
footer { margin-top: 2.5em; color: #59636e; font-size: 0.9em; }
</style>
</head>
<body>
<main>
<h1>$title</h1>
<p class="subtitle">$subtitle</p>
$body
<footer>
<h2>Reproduce</h2>
<p>Command:</p>
<pre><code>$command</code></pre>
<p>Versions: $versions</p>
</footer>
</main>
</body>
</html>
""")

_FIGURE = Template("""<section class="figure" id="$anchor">
<h2>$title</h2>
<figure>
<img src="data:image/png;base64,$data" alt="$alt" width="$width" height="$height">
<figcaption>$caption</figcaption>
</figure>
<div class="howto"><p><b>How to read this.</b> $howto</p></div>
</section>""")


def esc(value):
    """HTML-escape ``str(value)``."""
    return html.escape(str(value), quote=True)


def fmt(value, digits=3):
    """Number formatting for tables: fixed digits, '' for None/NaN, booleans as yes/no."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value != 0 and abs(value) < 10 ** -digits:
            return f"{value:.1e}"
        return f"{value:.{digits}f}"
    return str(value)


def png_size(data):
    """``(width, height)`` of PNG bytes, read from the IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG image")
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def figure(*, anchor, title, png, alt, caption, howto, display_width=None):
    """A titled figure (PNG bytes embedded as a data URI) with a how-to-read note.

    ``width``/``height`` attributes hold the displayed size (the PNG's pixel size, or
    ``display_width`` with the same aspect ratio), so the layout does not jump.
    """
    width, height = png_size(png)
    if display_width is not None and width > display_width:
        height = round(height * display_width / width)
        width = display_width
    return _FIGURE.substitute(
        anchor=esc(anchor), title=esc(title), alt=esc(alt), caption=caption, howto=howto,
        data=base64.b64encode(png).decode("ascii"), width=width, height=height,
    )


def table(header, rows, *, numeric=(), row_classes=None):
    """An HTML table; ``rows`` hold plain values (formatted by :func:`fmt`, escaped)."""
    numeric = set(numeric)
    parts = ["<table>", "<thead><tr>"]
    parts += [f"<th>{esc(h)}</th>" for h in header]
    parts.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        cls = row_classes[i] if row_classes else ""
        parts.append(f'<tr class="{esc(cls)}">' if cls else "<tr>")
        for j, value in enumerate(row):
            attr = ' class="num"' if j in numeric else ""
            parts.append(f"<td{attr}>{esc(fmt(value))}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)


def key_values(pairs):
    """A two-column table of ``(name, value)`` pairs."""
    return table(["", ""], pairs).replace("<thead><tr><th></th><th></th></tr></thead>", "")


def page(*, title, subtitle, body, command, versions):
    """The full HTML document."""
    return _PAGE.substitute(
        title=esc(title),
        subtitle=esc(subtitle),
        body=body,
        command=esc(command),
        versions=esc(", ".join(f"{k} {v}" for k, v in versions.items())),
        version=esc(versions.get("skvae", "")),
    )
