"""Utilities: :func:`dask_backend` (public); device handling and sklearn shims (internal)."""

from skvae.utils._dask import dask_backend

__all__ = ["dask_backend"]
