"""Distributed Text Services (DTS 1.0): the API as static files made at build time, and
the same answers from a server.

``dts_files(collection_resources(collection), config)`` gives the API's files (path ->
bytes) and ``site_files`` the host configuration at the site's root; ``pipeline.dts.api``
answers any request; ``pipeline.dts.server`` serves the site and the API on localhost.
"""

from __future__ import annotations

from pipeline.dts.resources import collection_resources, load_resource
from pipeline.dts.static import dts_files, site_files

__all__ = ["collection_resources", "dts_files", "load_resource", "site_files"]
