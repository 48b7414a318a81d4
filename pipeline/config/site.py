"""What a site of other projects' TEI says about itself: ``edition build --tei``.

A build of other people's TEI never borrows the edition's own settings: its title and
introduction come from ``--title``/``--introduction`` or from a settings file
(``--site-config FILE``, TOML, the keys below at its top level). Each text speaks for
itself through its header; these settings only frame the site.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.config import config_options as c
from pipeline.config.base import Config
from pipeline.config.toml_lines import read_toml
from pipeline.errors import ConfigError

DEFAULT_TITLE = "TEI texts"


class SiteConfig(Config):
    """The settings of a site of other projects' TEI."""

    title = c.Type(str, default=DEFAULT_TITLE, help="the site's title")
    subtitle = c.Type(str, default="", help="the site's subtitle")
    introduction = c.Type(
        str, default="", help="the home page's introduction (paragraphs separated by blank lines)"
    )
    editors = c.ListOf(c.Type(str), default=[], help="who put the site together")
    publisher = c.Type(str, default="", help="who publishes the site")
    base_url = c.Url(default="", help="where the site is published, for citations")
    images_base_url = c.Url(
        default="",
        help="where images named by a relative path in the TEI (graphic/@url, pb/@facs) "
        "are published; without it they are not linked",
    )


def load_site_config(path: Path | None) -> SiteConfig:
    """The settings from a TOML file, or the defaults."""
    if path is None:
        return SiteConfig.defaults(Path.cwd())
    path = Path(path)
    if not path.is_file():
        raise ConfigError("site settings file not found", path)
    source = read_toml(path)
    return SiteConfig.load(source.data, path.parent.absolute(), source).with_meta(_origin=path)
