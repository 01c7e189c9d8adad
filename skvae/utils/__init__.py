"""Internal utilities (device handling, sklearn compatibility shims)."""

from skvae.utils._dask import dask_backend

__all__ = ["dask_backend"]
