"""The insight pack's charts rendered once per Vega-Lite specification.

Rendering a chart (vl-convert) takes 30-150 ms and most of a pack's build, and from one night
to the next nearly every chart of the pack is the same (at the small demo trust, 41 of 42
after a new day of incidents and FFT). Inside `svg_cache(folder)` each specification's SVG is
kept in `folder`, named by the SHA-256 of the specification and the renderer's version, so a
pack built again renders only the charts whose specification changed, and the SVG it reuses
is the one rendering would give. Entries no pack has used for a week are removed. The SVGs
hold the restricted pack's small numbers: the folder sits beside the private warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

KEPT_UNUSED_DAYS = 7
_folder: ContextVar[Path | None] = ContextVar("svg_cache_folder", default=None)


@contextmanager
def svg_cache(folder: Path | None) -> Iterator[None]:
    """Charts rendered inside it are kept in (and taken from) `folder`; None: no cache."""
    token = _folder.set(folder)
    try:
        yield
    finally:
        _folder.reset(token)
    if folder is not None and folder.is_dir():
        _forget_unused(folder)


def vegalite_to_svg(spec: dict) -> str:
    import vl_convert as vlc

    folder = _folder.get()
    if folder is None:
        return vlc.vegalite_to_svg(spec)
    # repr for values JSON has no type for (dates): distinct from their text, as for vl-convert.
    key = hashlib.sha256(json.dumps([vlc.__version__, spec], sort_keys=True,
                                    separators=(",", ":"), default=repr).encode()).hexdigest()
    entry = folder / f"{key}.svg"
    try:
        svg = entry.read_text(encoding="utf-8")
        os.utime(entry)  # used tonight: kept
        return svg
    except FileNotFoundError:
        pass
    svg = vlc.vegalite_to_svg(spec)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole under a temporary name and renamed: an entry is complete or absent.
    partial = folder / f".{key}.{os.getpid()}.partial"
    partial.write_text(svg, encoding="utf-8")
    os.replace(partial, entry)
    return svg


def _forget_unused(folder: Path) -> None:
    oldest = time.time() - KEPT_UNUSED_DAYS * 86400
    for entry in folder.iterdir():
        try:
            if entry.stat().st_mtime < oldest:
                entry.unlink()
        except FileNotFoundError:  # another pack's build removed it first
            continue
