"""Distributed Text Services (DTS 1.0): a static, read-only API made at build time.

``write_dts(tei_paths, registers_path, config, out_dir)`` writes the API's files;
``pipeline.dts.server`` serves the site and the API on localhost.
"""

from __future__ import annotations

from pipeline.dts.static import dts_files, write_dts

__all__ = ["dts_files", "write_dts"]
