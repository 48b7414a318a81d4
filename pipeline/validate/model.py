"""What validation reports: one ``Issue`` per problem, one ``FileResult`` per file."""

from __future__ import annotations

from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"

# Layer names as they appear in reports (``[layer]``). Schema layers that the user names
# by path are reported under the schema's file name.
LAYER_XML = "xml"  # well-formedness, DOCTYPE, XInclude, xml-model
LAYER_ROOT = "root"  # is this a TEI P5 document at all?
LAYER_IO = "io"  # the file could not be read
LAYER_EDITION_XSD = "edition.xsd"
LAYER_EDITION_SCH = "edition.sch"
LAYER_TEI_ALL = "tei_all"
LAYER_TEI_SCHEMATRON = "tei_schematron"  # TEI's own Schematron, embedded in tei_all


@dataclass(frozen=True)
class Issue:
    """One problem found in one file. ``line``/``column`` are 1-based; None when unknown."""

    path: str
    line: int | None
    column: int | None
    message: str
    layer: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class FileResult:
    """The verdict on one file: valid when no issue has severity ``error``."""

    path: str
    issues: list[Issue] = field(default_factory=list)
    size: int = 0
    # Set when the file itself could not be read: the CLI exits 2 for that, not 1.
    unreadable: bool = False

    @property
    def valid(self) -> bool:
        return not any(issue.is_error for issue in self.issues)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.is_error]

    @property
    def warnings(self) -> list[Issue]:
        return [issue for issue in self.issues if not issue.is_error]

    def sorted_issues(self) -> list[Issue]:
        # Unknown positions first: they concern the whole file.
        return sorted(
            self.issues,
            key=lambda i: (i.line or 0, i.column or 0, i.layer, i.message, i.severity),
        )
