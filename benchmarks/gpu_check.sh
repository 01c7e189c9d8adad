#!/usr/bin/env bash
# GPU check in one command: the CUDA tests, then the GPU benchmark (a few minutes).
#
# Authors: The skvae developers
# SPDX-License-Identifier: BSD-3-Clause
#
# Run from anywhere on a machine with a CUDA device and a CUDA build of torch:
#     bash benchmarks/gpu_check.sh [extra bench_gpu.py arguments, e.g. --compile]
# Writes benchmarks/results/bench_gpu.json. Exits non-zero when no GPU is visible, when a
# GPU test fails, or when the benchmark fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}

"$PYTHON" - <<'PY'
import sys
import torch
if not torch.cuda.is_available():
    sys.exit(f"gpu_check: no CUDA device visible to torch {torch.__version__}; nothing run.")
print(f"gpu_check: torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"{torch.cuda.get_device_name()}")
PY

# The GPU tests (-m gpu on the command line replaces setup.cfg's -m "not slow"); only
# test_gpu.py is collected, so the check needs none of the test extras (dask, numpydoc).
# -p no:cacheprovider keeps the working tree clean.
# The benchmark runs even when a test fails; the script's status then reports the failure.
tests_status=0
"$PYTHON" -m pytest -q -p no:cacheprovider -m gpu tests/test_gpu.py || tests_status=$?
"$PYTHON" -m benchmarks.bench_gpu "$@"
exit "$tests_status"
