"""The HTML report of ``skvae report``: structure, and rendering in headless Chromium."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import base64
import io
import json
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from skvae.cli import main
from skvae.datasets import make_factor_analysis

#: Elements without an end tag (HTML void elements).
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
FIGURE_HEADINGS = ["KL per latent", "Stability across runs", "FVH-LT heat map",
                   "DBSR-LS heat map", "Latent traversals"]
HEADINGS = ["Dataset and settings", "Summary", "Latents", *FIGURE_HEADINGS, "Files", "Reproduce"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    """Collects images, headings, links and scripts, and checks that tags nest properly."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors = [], []
        self.images, self.headings, self.scripts, self.links = [], [], 0, []
        self._heading = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs)
        elif tag == "script":
            self.scripts += 1
        elif tag in ("link", "a", "iframe", "object") or "src" in attrs and tag != "img":
            self.links.append((tag, attrs))
        if tag in ("h1", "h2", "h3"):
            self._heading = [tag, ""]
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        if self._heading and tag == self._heading[0]:
            self.headings.append((tag, self._heading[1].strip()))
            self._heading = None

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("html")
    X, _, _ = make_factor_analysis(300, preset="FA15", random_state=0)
    pd.DataFrame(X, columns=[f"item_{j}" for j in range(15)]).to_csv(root / "t.csv",
                                                                       index=False)
    out = root / "out"
    status = main([
        "report", str(root / "t.csv"), "--runs", "2", "--max-iter", "2", "--n-components",
        "4", "--n-jobs", "1", "--quiet", "--out", str(out)])
    assert status == 0
    return out


@pytest.fixture(scope="module")
def page(report_dir):
    parser = _Page()
    parser.feed((report_dir / "report.html").read_text(encoding="utf-8"))
    parser.close()
    return parser


def _decode(src):
    prefix = "data:image/png;base64,"
    assert src.startswith(prefix), src[:40]
    return base64.b64decode(src[len(prefix):], validate=True)


def test_page_is_well_formed(page):
    assert page.errors == []
    assert page.stack == []  # every element closed


def test_page_is_self_contained(page, report_dir):
    assert page.scripts == 0
    assert page.links == []  # no stylesheet, script, frame or hyperlink to fetch
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text


def test_headings(page, report_dir):
    assert page.headings[0] == ("h1", f"skvae report: {'t.csv'}")
    h2 = [text for tag, text in page.headings if tag == "h2"]
    assert h2 == HEADINGS
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    assert text.count("How to read this.") == len(FIGURE_HEADINGS)


def test_images_are_the_written_pngs(page, report_dir):
    assert len(page.images) == len(FIGURE_HEADINGS)
    names = ["kl", "stability", "fvh_lt", "dbsr_ls", "traversals"]
    for attrs, name in zip(page.images, names):
        data = _decode(attrs["src"])
        assert data.startswith(PNG_SIGNATURE)
        assert data == (report_dir / f"{name}.png").read_bytes()
        image = Image.open(io.BytesIO(data))
        image.verify()
        width, height = Image.open(io.BytesIO(data)).size
        assert attrs["alt"]
        # the displayed size keeps the aspect ratio of the PNG
        shown_w, shown_h = int(attrs["width"]), int(attrs["height"])
        assert shown_w <= width and abs(shown_h / shown_w - height / width) < 0.01


def test_page_reports_the_numbers(report_dir):
    text = (report_dir / "report.html").read_text(encoding="utf-8")
    summary = json.loads((report_dir / "summary.json").read_text())
    assert f"LSDI <b>{summary['lsdi']:.3f}</b>" in text
    assert summary["command"].split(" --out ")[0] in text
    for name in summary["evaluation"]["latent_names"]:
        assert f"<td>{name}</td>" in text


# ------------------------------------------------------------------ headless Chromium
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium not installed (CI installs Debian's chromium package)",
)

#: Appended to a copy of the report: after the load event, writes every image's decoded
#: (natural) size and its place on the page into body attributes, which --dump-dom prints.
#: A deliberately broken image shows that an image that fails to decode is caught.
_PROBE = """<img id="broken-probe" src="data:image/png;base64,AAAA" alt="probe">
<script>
window.addEventListener("load", function () {
  var images = Array.from(document.images).map(function (im) {
    var r = im.getBoundingClientRect();
    return {id: im.id, complete: im.complete, w: im.naturalWidth, h: im.naturalHeight,
            x: r.left + window.scrollX, y: r.top + window.scrollY,
            cw: r.width, ch: r.height};
  });
  document.body.setAttribute("data-images", JSON.stringify(images));
  document.body.setAttribute("data-height",
                             String(document.documentElement.scrollHeight));
});
</script>
</body>"""


def _chromium(tmp_path, *args, width=1200, height=2000):
    command = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--force-device-scale-factor=1",
        f"--user-data-dir={tmp_path / 'profile'}", f"--window-size={width},{height}", *args,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)


def _probe(tmp_path, report_dir):
    html = (report_dir / "report.html").read_text(encoding="utf-8")
    probed = tmp_path / "probed.html"
    probed.write_text(html.replace("</body>", _PROBE), encoding="utf-8")
    dom = _chromium(tmp_path, "--dump-dom", probed.as_uri()).stdout

    class Body(HTMLParser):
        attrs = None

        def handle_starttag(self, tag, attrs):
            if tag == "body":
                Body.attrs = dict(attrs)

    Body().feed(dom)
    assert Body.attrs and "data-images" in Body.attrs, "the probe script did not run"
    return probed, json.loads(Body.attrs["data-images"]), int(Body.attrs["data-height"])


def _gray(image, size=(64, 32)):
    return np.asarray(image.convert("L").resize(size, Image.BILINEAR), dtype=np.float64)


@needs_chromium
def test_chromium_screenshot_is_a_page(report_dir, tmp_path):
    shot = tmp_path / "shot.png"
    _chromium(tmp_path, f"--screenshot={shot}", (report_dir / "report.html").as_uri())
    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 2000)
    pixels = np.asarray(image, dtype=np.float64)
    assert pixels.std() > 20  # not a blank page
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50  # text, tables, colours
    assert (pixels[:8, :8] > 250).all()  # white page background at the corner


@needs_chromium
def test_chromium_decodes_and_paints_every_image(report_dir, tmp_path, page):
    """Every <img> decodes in the browser (natural size = PNG size; the broken probe
    image has none) and is painted where the layout puts it: the screenshot crop at
    its position correlates with the PNG itself."""
    probed, images, height = _probe(tmp_path, report_dir)
    broken = [im for im in images if im["id"] == "broken-probe"]
    assert len(broken) == 1 and broken[0]["w"] == 0  # the check can fail
    images = [im for im in images if im["id"] != "broken-probe"]
    assert len(images) == len(page.images)
    pngs = [Image.open(io.BytesIO(_decode(attrs["src"]))) for attrs in page.images]
    for im, png in zip(images, pngs):
        assert im["complete"] and (im["w"], im["h"]) == png.size

    shot = tmp_path / "full.png"
    height = min(height, 16000)
    _chromium(tmp_path, f"--screenshot={shot}", probed.as_uri(), height=height)
    screen = Image.open(shot).convert("RGB")
    for im, png in zip(images, pngs):
        # inside the 1 px border
        box = (round(im["x"]) + 1, round(im["y"]) + 1,
               round(im["x"] + im["cw"]) - 1, round(im["y"] + im["ch"]) - 1)
        assert box[3] <= screen.size[1], "image below the screenshot"
        crop = _gray(screen.crop(box))
        expected = _gray(png)
        assert crop.std() > 10  # not blank
        assert np.corrcoef(crop.ravel(), expected.ravel())[0, 1] > 0.9
