"""The HTML edition: TEI to a static, citable, searchable site.

``build_site`` renders the collection into ``site/`` (pages, registers, chronology,
About, downloads, the Pagefind index); ``run_pagefind`` indexes a built site. The stages
behind them are plain functions: ``documents.analyse`` (one TEI document to what its
page shows) and ``pages.render_pages`` (documents and registers to HTML files).
"""

from pipeline.render.site import SiteReport, build_site, run_pagefind, site_up_to_date

__all__ = ["SiteReport", "build_site", "run_pagefind", "site_up_to_date"]
