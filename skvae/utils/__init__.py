"""Internal utilities (device handling, sklearn compatibility shims)."""
