"""The edition's settings, ``[tool.edition]`` in pyproject.toml: every key declared here.

The declarations below are the whole of the settings: their keys, kinds, defaults and
meaning. ``edition config`` prints them with the effective values.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pipeline.config import config_options as c
from pipeline.config.base import Config
from pipeline.errors import ConfigError

CALENDARS = ("julian", "gregorian")  # the calendars the date arithmetic knows


class PolicyConfig(Config):
    """The sentences of each text's ``encodingDesc`` that state the editorial policy.

    ``{registers}`` is replaced by the registers file's name, ``{default_calendar}`` by
    the name of the calendar a text's single dates are read in.
    """

    project = c.Type(
        str, default="", help="projectDesc: what the edition is (default: its title and subtitle)"
    )
    normalization = c.Type(
        str,
        default="Whitespace is normalised: runs of spaces, "
        "non-breaking spaces and hard line breaks inside a paragraph "
        "become single spaces.",
        help="editorialDecl/normalization",
    )
    correction = c.Type(
        str,
        default="Evident errors are corrected only where declared, as "
        "choice/sic/corr with resp and cert; the source reading is always "
        "kept.",
        help="editorialDecl/correction",
    )
    hyphenation = c.Type(
        str,
        default="End-of-line hyphenation is not kept; words split in "
        "the transcription are regularised only where declared.",
        help="editorialDecl/hyphenation",
    )
    segmentation = c.Type(
        str,
        default="Paragraphs broken by line or page breaks in the "
        "source are rejoined; page lines are encoded as pb, section "
        "breaks as milestone, numbered notes are placed at their "
        "markers.",
        help="editorialDecl/segmentation",
    )
    names = c.Type(
        str,
        default="Persons, places, organisations and publications are "
        "tagged against the registers in {registers}.",
        help="editorialDecl/interpretation: how names are tagged",
    )
    dates = c.Type(
        str,
        default="Dates are normalised to the Gregorian calendar in when, "
        "from/to and notBefore/notAfter; a date read in another calendar keeps "
        "its value in the -custom attributes, with datingMethod. A single date "
        "is read in the {default_calendar} calendar unless declared otherwise.",
        help="editorialDecl/interpretation: how dates are read",
    )
    quotation = c.Type(
        str,
        default="Quotation marks are kept as they stand in the source.",
        help="editorialDecl/quotation",
    )


class CalendarConfig(Config):
    """Which calendars the texts' dates are written in, and when the change came."""

    old = c.Choice(
        CALENDARS,
        default="gregorian",
        help="the calendar in force where the texts were written, before the change-over",
    )
    new = c.Choice(CALENDARS, default="gregorian", help="the calendar after the change-over")
    change_over = c.IsoDate(
        default=None,
        help="first day of the new calendar, written in "
        "it (for example 1918-02-14); single dates written before it "
        "are read in the default calendar, later ones in the new one",
    )
    default = c.Choice(
        CALENDARS,
        default="gregorian",
        help="the calendar of a single date written before the change-over, "
        "when neither the text nor its sidecar says otherwise",
    )
    names = c.TableOf(
        c.Type(str),
        default={"julian": "Julian", "gregorian": "Gregorian"},
        help="how the policy names each calendar, by id",
    )
    descriptions = c.TableOf(
        c.Type(str),
        default={
            "julian": "The Julian calendar (Old Style).",
            "gregorian": "The Gregorian calendar (New Style).",
        },
        help="calendarDesc: one calendar element per id, with this description",
    )


class EncodingConfig(Config):
    """The edition's encoding policy: languages, calendars, and the policy's wording."""

    language = c.LanguageTag(
        default=None,
        help="the language of the texts as edited "
        "(xml:lang of every TEI file); a sidecar may override it",
    )
    original_language = c.LanguageTag(
        default=None,
        help="the language the texts were "
        "written in, when they are translations; a sidecar "
        "may override it",
    )
    language_names = c.TableOf(
        c.Type(str), default={}, help="langUsage: how each language is described, by tag"
    )
    calendar = c.SubConfig(CalendarConfig, help="[tool.edition.encoding.calendar]")
    policy = c.SubConfig(PolicyConfig, help="[tool.edition.encoding.policy]")


class DtsConfig(Config):
    """How much of the DTS API is written as static files, and how long a page is."""

    page_size = c.Type(
        int, default=100, help="members per page of a collection or navigation answer"
    )
    files_per_resource = c.Type(
        int,
        default=2000,
        help="the most static files written for one document; what would go beyond "
        "(ranges first, then per-unit answers) is left to a DTS server",
    )
    files = c.Type(
        int,
        default=150000,
        help="the most static files of the whole API (static hosts limit a site's "
        "files: GitLab Pages to 200,000); the same parts are left out everywhere",
    )


class EditionConfig(Config):
    """``[tool.edition]``: the edition as a whole."""

    title = c.Type(str, required=True, default="", help="the edition's title")
    subtitle = c.Type(str, default="", help="the edition's subtitle")
    editors = c.ListOf(
        c.Type(str),
        default=[],
        help="names of the edition's editors (unset: the build warns, and the headers "
        "name the edition itself, by its title, never a placeholder)",
    )
    publisher = c.Type(str, default="", help="the edition's publisher (unset: the build warns)")
    licence = c.Type(str, required=True, default="", help="the licence of the edition's encoding")
    licence_url = c.Url(default="", help="URL of that licence")
    release_date = c.IsoDate(
        required=True,
        default=None,
        help="the release date, YYYY-MM-DD (there are no build timestamps)",
    )
    base_url = c.Url(
        default="",
        help="where the edition is published, for citations (unset: the build warns, "
        "links are relative and no CMIF file is made)",
    )
    id_prefix = c.Identifier(default="edn", help="prefix of the documents' stable idno")
    sources_dir = c.Folder(
        key="sources", default="sources", help="folder of the source texts and their sidecars"
    )
    tei_dir = c.Folder(key="tei", default="tei", help="folder of the TEI files")
    registers_path = c.File(
        key="registers", default="tei/registers.xml", help="the TEI registers file"
    )
    site_dir = c.Folder(key="site", default="site", help="output folder of the HTML edition")
    dist_dir = c.Folder(
        key="dist", default="dist", help="output folder of `edition export` (never the site)"
    )
    schema_dir = c.OptionalFolder(
        key="schema",
        default="",
        help="folder of the project schema (edition.xsd, "
        "edition.sch); default: schema/ beside this file, else "
        "the copy inside the package",
    )
    archive_style = c.File(
        default="",
        help="the archive's layout cues for conversion "
        "(default: the built-in pipeline/convert/archive_style.toml)",
    )
    theme_dir = c.OptionalFolder(
        default="", help="folder whose templates and stylesheet override the built-in ones"
    )
    introduction = c.Type(str, default="", help="the edition's introduction, for the home page")
    common_capitalised = c.ListOf(
        c.Type(str), default=[], help="capitalised words that are never names"
    )
    max_input_mb = c.Type(
        int,
        default=200,
        help="the largest input file read, in megabytes "
        "(a larger one is refused before it is read)",
    )
    search_shard_pages = c.Type(
        int,
        default=1000,
        help="the most pages one search index holds: a larger site is indexed in shards "
        "of this many pages, merged by the search page, so that indexing takes bounded "
        "memory",
    )
    list_page_items = c.Type(
        int,
        default=250,
        help="the most items a page that lists the collection holds (texts, events, "
        "register entries, the mentions of one entry, files): a longer list is split "
        "over numbered pages, so that no page grows with the collection",
    )
    encoding = c.SubConfig(EncodingConfig, help="[tool.edition.encoding]: the encoding policy")
    dts = c.SubConfig(DtsConfig, help="[tool.edition.dts]: the static DTS API's size")

    # Not settings: where they were read from.
    @property
    def root(self) -> Path:
        return self.__dict__["_root"]

    @property
    def origin(self) -> Path | None:
        """The pyproject.toml the settings came from; None when there is none."""
        return self.__dict__["_origin"]

    @property
    def max_input_bytes(self) -> int:
        return self.max_input_mb * 1024 * 1024

    @property
    def project_schema_dir(self) -> Path:
        """The project schema: the ``schema`` setting, else ``schema/`` beside the
        settings file, else the copy shipped inside the package."""
        if self.schema_dir is not None:
            return self.schema_dir
        beside = self.root / "schema"
        if self.origin is not None and (beside / "edition.xsd").is_file():
            return beside
        return Path(str(resources.files("pipeline").joinpath("schema")))

    def require_edition(self, what: str) -> None:
        """Commands that work on the edition itself need its settings file."""
        if self.origin is None:
            raise ConfigError(
                f"{what} needs the edition's settings: no pyproject.toml with "
                "[tool.edition] was found here or above (use --config)"
            )


def responsibility_warnings(config: EditionConfig) -> list[str]:
    """What the settings leave unnamed: each is a warning of the build."""
    warnings = []
    if not config.editors:
        warnings.append(
            "[tool.edition] 'editors' is not set: the headers name the edition itself "
            "as responsible"
        )
    if not config.publisher:
        warnings.append(
            "[tool.edition] 'publisher' is not set: the headers name the edition itself "
            "as the authority that makes it available"
        )
    if not config.base_url:
        warnings.append(
            "[tool.edition] 'base-url' is not set: links and citations are relative, "
            "and no CMIF file is made"
        )
    return warnings


def check_edition(config: EditionConfig) -> None:
    """Checks between keys, after each key has passed its own."""
    if config.max_input_mb < 1:
        raise ConfigError("[tool.edition] 'max-input-mb' must be at least 1", config.origin)
    if config.search_shard_pages < 1:
        raise ConfigError("[tool.edition] 'search-shard-pages' must be at least 1", config.origin)
    if config.list_page_items < 1:
        raise ConfigError("[tool.edition] 'list-page-items' must be at least 1", config.origin)
    for key, value in (
        ("page-size", config.dts.page_size),
        ("files-per-resource", config.dts.files_per_resource),
        ("files", config.dts.files),
    ):
        if value < 1:
            raise ConfigError(f"[tool.edition.dts] '{key}' must be at least 1", config.origin)
    calendar = config.encoding.calendar
    for name in {calendar.old, calendar.new, calendar.default}:
        if name not in calendar.descriptions:
            raise ConfigError(
                f"[tool.edition.encoding.calendar] descriptions: no description "
                f"of the calendar '{name}'",
                config.origin,
            )
