"""The render stage: TEI to the pages of a static, citable, searchable edition.

``site.analyse_collection`` reads each document of the collection into what its page
shows (``documents.analyse``); ``site.render_site`` turns those, the registers and the
settings into every file of the site, as bytes (``pages.render_pages``);
``search.run_pagefind`` indexes the written site.
"""
