"""Device resolution, seeding and batched evaluation helpers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import logging
import warnings

import numpy as np
import torch

logger = logging.getLogger(__name__)

#: Rows per forward pass in transform / inverse_transform / score (bounded memory).
EVAL_BATCH_SIZE = 16_384

#: A CUDA fit moves the training table to the GPU once when it takes at most this fraction
#: of the free device memory; a larger table stays in pinned host memory and is copied to
#: the GPU one batch at a time, asynchronously.
DEVICE_DATA_FRACTION = 0.5


def resolve_device(device):
    """Turn ``'cpu' | 'cuda' | 'auto'`` into a concrete device name, or raise."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            "device='cuda' was requested but no CUDA device is available; use device='cpu' "
            "or device='auto'."
        )
    return device


def as_tensor(array):
    """``torch.as_tensor(array)``, sharing memory, also for a read-only array.

    skvae never writes into tensors made from the caller's data, so torch's warning about
    non-writable arrays would only confuse; it is silenced for those arrays alone.
    """
    if array.flags.writeable:
        return torch.as_tensor(array)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The given NumPy array is not writable")
        return torch.as_tensor(array)


def training_tensor(X, device):
    """The training table as a tensor: on the device when it fits, else pinned on the host.

    On the CPU the tensor shares memory with ``X`` (no copy).
    """
    data = as_tensor(X)
    if torch.device(device).type != "cuda":
        return data
    free, _ = torch.cuda.mem_get_info(device)
    if X.nbytes <= DEVICE_DATA_FRACTION * free:
        return data.to(device)
    logger.info("Training data (%.1f GB) exceeds %.0f%% of the free GPU memory (%.1f GB): "
                "kept in pinned host memory, batches copied asynchronously.",
                X.nbytes / 1e9, 100 * DEVICE_DATA_FRACTION, free / 1e9)
    return data.pin_memory()


def iter_batches(array, device, batch_size=EVAL_BATCH_SIZE):
    """Yield consecutive row batches of ``array`` as C-contiguous tensors on ``device``.

    Batches of a Fortran-ordered array (a DataFrame's values) are copied to C order one at
    a time, so that results do not depend on the input's memory layout (a matrix product
    rounds differently on a transposed layout) and memory stays bounded.
    """
    for start in range(0, len(array), batch_size):
        yield as_tensor(np.ascontiguousarray(array[start : start + batch_size])).to(device)


def batched(function, array, device, batch_size=EVAL_BATCH_SIZE):
    """Apply ``function`` (tensor -> tensor or tuple of tensors) to an array in batches.

    Each output has one row per input row; outputs are written into preallocated numpy
    arrays (no list of chunks to concatenate), under inference mode.
    """
    outputs = None
    with torch.inference_mode():
        for start, chunk in zip(range(0, len(array), batch_size),
                                iter_batches(array, device, batch_size)):
            result = function(chunk)
            result = [r.cpu().numpy() for r in (result if isinstance(result, tuple) else (result,))]
            if outputs is None:
                outputs = [np.empty((len(array), *r.shape[1:]), dtype=r.dtype) for r in result]
            for out, part in zip(outputs, result):
                out[start : start + len(part)] = part
    return outputs if len(outputs) > 1 else outputs[0]
