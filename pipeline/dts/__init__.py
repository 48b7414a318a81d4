"""Distributed Text Services (DTS 1.0): a static, read-only API made at build time.

``dts_files(collection_resources(collection), config)`` gives the API's files (path ->
bytes); ``pipeline.dts.server`` serves the site and the API on localhost.
"""

from __future__ import annotations

from pipeline.dts.static import collection_resources, dts_files

__all__ = ["collection_resources", "dts_files"]
