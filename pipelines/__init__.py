import os

# Polars' allocator (jemalloc) hands memory it has freed back with MADV_FREE a second later:
# the kernel takes such pages back only when short of memory, and until then they count in
# the process's resident memory, so each step of a refresh seemed to hold the last one's peak
# (a large trust's FFT coding: 2.1 GB over the refresh and its workers). Purged at once
# instead (polars appends this to its own settings), the same step measured 1.86 GB in the
# same time. Set before any module imports polars; the coding workers and dbt inherit it.
os.environ.setdefault("_RJEM_MALLOC_CONF", "muzzy_decay_ms:0")
