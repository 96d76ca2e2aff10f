import os

# Polars' allocator (jemalloc) hands memory it has freed back with MADV_FREE a second later:
# the kernel takes such pages back only when short of memory, and until then they count in
# the process's resident memory, so each step of a refresh seemed to hold the last one's peak
# (a large trust's FFT coding: 2.08-2.13 GB over the refresh and its workers in five runs).
# Purged at once instead (polars appends this to its own settings), the same step peaked
# 1.78-2.05 GB in four, in the same time. Set before any module imports polars; the coding
# workers and dbt inherit it.
os.environ.setdefault("_RJEM_MALLOC_CONF", "muzzy_decay_ms:0")
