"""Device resolution, seeding and batched evaluation helpers."""

# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import torch

#: Rows per forward pass in transform / inverse_transform / score (bounded memory).
EVAL_BATCH_SIZE = 16_384


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


def batched(function, array, device, batch_size=EVAL_BATCH_SIZE):
    """Apply ``function`` (tensor -> tensor or tuple of tensors) to an array in batches.

    Returns numpy arrays, concatenated over batches; runs under inference mode.
    """
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(array), batch_size):
            chunk = torch.as_tensor(array[start : start + batch_size]).to(device)
            result = function(chunk)
            result = result if isinstance(result, tuple) else (result,)
            outputs.append([r.cpu().numpy() for r in result])
    parts = [np.concatenate(column) for column in zip(*outputs)]
    return parts if len(parts) > 1 else parts[0]
