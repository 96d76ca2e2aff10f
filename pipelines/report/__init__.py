"""The quality insight pack: a self-contained HTML report built from the published marts."""

from pipelines.report.pack import (
    PACK_FILE,
    WIDE_PACK_FILE,
    build_pack,
    default_pack_path,
    render_pack,
)

__all__ = ["PACK_FILE", "WIDE_PACK_FILE", "build_pack", "default_pack_path", "render_pack"]
