"""Finding and normalising date expressions (encoding guide, section 3)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest
from conftest import project_config
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.convert.dates import DateContext, DateMatch, DateProblem, find_dates
from pipeline.convert.document import date_context
from pipeline.convert.sidecar import Sidecar

SOURCES = Path(__file__).resolve().parent.parent / "sources"

Attrs = tuple[tuple[str, str], ...]

# The edition's calendar policy, from its settings: the tests below read dates as it does.
_CALENDAR = project_config().encoding.calendar
_EDITION = date_context(_CALENDAR, Sidecar(path=None, default_calendar=_CALENDAR.default), None)


def Context(**values: object) -> DateContext:
    """A date context of the edition's settings, with some values changed."""
    return replace(_EDITION, **values)  # type: ignore[arg-type]


DUAL = ("datingMethod", "#julian"), ("calendar", "#julian #gregorian")
JULIAN = ("datingMethod", "#julian"), ("calendar", "#julian")
GREGORIAN = (("calendar", "#gregorian"),)
FROM_CONTEXT = (("cert", "medium"),)


def only_match(
    text: str,
    year: int | None = None,
    default_calendar: str = "julian",
    overrides: Mapping[str, str] | None = None,
) -> DateMatch:
    context = Context(year=year, default_calendar=default_calendar, overrides=overrides or {})
    matches, problems = find_dates(text, context)
    assert problems == []
    assert len(matches) == 1, [text[m.start : m.end] for m in matches]
    return matches[0]


# (text as written, document year, attributes, year supplied from the document)
FORMS: list[tuple[str, int | None, Attrs, bool]] = [
    (
        "November 5 or 6 (18 or 19), 1917",
        None,
        (
            ("notBefore", "1917-11-18"),
            ("notAfter", "1917-11-19"),
            ("notBefore-custom", "1917-11-05"),
            ("notAfter-custom", "1917-11-06"),
            *DUAL,
        ),
        False,
    ),
    (
        "November 14 (1), 1917",
        None,
        (("when", "1917-11-14"), ("when-custom", "1917-11-01"), *DUAL),
        False,
    ),
    (
        "November 6/19, 1917",
        None,
        (("when", "1917-11-19"), ("when-custom", "1917-11-06"), *DUAL),
        False,
    ),
    (
        "November 1/14",
        1917,
        (("when", "1917-11-14"), ("when-custom", "1917-11-01"), *DUAL, *FROM_CONTEXT),
        True,
    ),
    (
        "October 29 (November 11), 1917",
        None,
        (("when", "1917-11-11"), ("when-custom", "1917-10-29"), *DUAL),
        False,
    ),
    (
        "October 25/November 7, 1917",
        None,
        (("when", "1917-11-07"), ("when-custom", "1917-10-25"), *DUAL),
        False,
    ),
    (
        "24 October (6 November) 1917",
        None,
        (("when", "1917-11-06"), ("when-custom", "1917-10-24"), *DUAL),
        False,
    ),
    (
        "25 October 1917",
        None,
        (("when", "1917-11-07"), ("when-custom", "1917-10-25"), *JULIAN),
        False,
    ),
    (
        "November 2-4 (15-17), 1905",
        None,
        (
            ("from", "1905-11-15"),
            ("to", "1905-11-17"),
            ("from-custom", "1905-11-02"),
            ("to-custom", "1905-11-04"),
            *DUAL,
        ),
        False,
    ),
    (
        "November 2–4 (15–17), 1905",
        None,
        (
            ("from", "1905-11-15"),
            ("to", "1905-11-17"),
            ("from-custom", "1905-11-02"),
            ("to-custom", "1905-11-04"),
            *DUAL,
        ),
        False,
    ),
    (
        "September 14-22",
        1917,
        (
            ("from", "1917-09-27"),
            ("to", "1917-10-05"),
            ("from-custom", "1917-09-14"),
            ("to-custom", "1917-09-22"),
            *JULIAN,
            *FROM_CONTEXT,
        ),
        True,
    ),
    (
        "October 27 (November 9) to December 3 (16), 1905",
        None,
        (
            ("from", "1905-11-09"),
            ("to", "1905-12-16"),
            ("from-custom", "1905-10-27"),
            ("to-custom", "1905-12-03"),
            *DUAL,
        ),
        False,
    ),
    (
        "October 10, 1917",
        None,
        (("when", "1917-10-23"), ("when-custom", "1917-10-10"), *JULIAN),
        False,
    ),
    (
        "November 3",
        1917,
        (("when", "1917-11-16"), ("when-custom", "1917-11-03"), *JULIAN, *FROM_CONTEXT),
        True,
    ),
    (
        "January 9, 1905",
        None,
        (("when", "1905-01-22"), ("when-custom", "1905-01-09"), *JULIAN),
        False,
    ),
    (
        "May 1905",
        None,
        (
            ("notBefore", "1905-05-14"),
            ("notAfter", "1905-06-13"),
            ("when-custom", "1905-05"),
            *JULIAN,
        ),
        False,
    ),
    (
        "November 1905",
        None,
        (
            ("notBefore", "1905-11-14"),
            ("notAfter", "1905-12-13"),
            ("when-custom", "1905-11"),
            *JULIAN,
        ),
        False,
    ),
    (
        "autumn of 1940",
        None,
        (("notBefore", "1940-09-01"), ("notAfter", "1940-11-30"), *GREGORIAN),
        False,
    ),
    ("November 5, 1940", None, (("when", "1940-11-05"), *GREGORIAN), False),
    ("October 2017", None, (("when", "2017-10"), *GREGORIAN), False),
    (
        "September 15 (28), 1917",
        None,
        (("when", "1917-09-28"), ("when-custom", "1917-09-15"), *DUAL),
        False,
    ),
    (
        "August 12",
        1917,
        (("when", "1917-08-25"), ("when-custom", "1917-08-12"), *JULIAN, *FROM_CONTEXT),
        True,
    ),
    (
        "November 1 (14)",
        1917,
        (("when", "1917-11-14"), ("when-custom", "1917-11-01"), *DUAL, *FROM_CONTEXT),
        True,
    ),
    (
        "November 2 (15)",
        1917,
        (("when", "1917-11-15"), ("when-custom", "1917-11-02"), *DUAL, *FROM_CONTEXT),
        True,
    ),
    (
        "Ninth of January",
        1905,
        (("when", "1905-01-22"), ("when-custom", "1905-01-09"), *JULIAN, *FROM_CONTEXT),
        True,
    ),
    (
        "9th of January, 1905",
        None,
        (("when", "1905-01-22"), ("when-custom", "1905-01-09"), *JULIAN),
        False,
    ),
    (
        "January 9th, 1905",
        None,
        (("when", "1905-01-22"), ("when-custom", "1905-01-09"), *JULIAN),
        False,
    ),
    (
        "twenty-fifth of October",
        1917,
        (("when", "1917-11-07"), ("when-custom", "1917-10-25"), *JULIAN, *FROM_CONTEXT),
        True,
    ),
    (
        "October 25, 1917 (O.S.)",
        None,
        (("when", "1917-11-07"), ("when-custom", "1917-10-25"), *JULIAN),
        False,
    ),
    ("November 7, 1917 N.S.", None, (("when", "1917-11-07"), *GREGORIAN), False),
    ("November 7, 1917 (N.S.)", None, (("when", "1917-11-07"), *GREGORIAN), False),
    ("1917", None, (("when", "1917"),), False),
    ("1934", 1917, (("when", "1934"),), False),
    ("1900-05", None, (("from", "1900"), ("to", "1905")), False),
    ("1905-07", None, (("from", "1905"), ("to", "1907")), False),
    ("1917-1918", None, (("from", "1917"), ("to", "1918")), False),
    (
        "December 19, 1917 (January 1, 1918)",
        None,
        (("when", "1918-01-01"), ("when-custom", "1917-12-19"), *DUAL),
        False,
    ),
    (
        "December 19 (January 1), 1917",
        None,
        (("when", "1918-01-01"), ("when-custom", "1917-12-19"), *DUAL),
        False,
    ),
    (
        "6 (19) November 1917",
        None,
        (("when", "1917-11-19"), ("when-custom", "1917-11-06"), *DUAL),
        False,
    ),
    (
        "December 20 to January 5, 1906",
        None,
        (
            ("from", "1906-01-02"),
            ("to", "1906-01-18"),
            ("from-custom", "1905-12-20"),
            ("to-custom", "1906-01-05"),
            *JULIAN,
        ),
        False,
    ),
    (
        "February 29, 1900",
        None,
        (("when", "1900-03-13"), ("when-custom", "1900-02-29"), *JULIAN),
        False,
    ),
    (
        "February 1870",
        None,
        (
            ("notBefore", "1870-02-13"),
            ("notAfter", "1870-03-12"),
            ("when-custom", "1870-02"),
            *JULIAN,
        ),
        False,
    ),
    (
        "winter of 1905-06",
        None,
        (
            ("notBefore", "1905-12-14"),
            ("notAfter", "1906-03-13"),
            ("notBefore-custom", "1905-12-01"),
            ("notAfter-custom", "1906-02-28"),
            *JULIAN,
        ),
        False,
    ),
    (
        "spring of 1950",
        None,
        (("notBefore", "1950-03-01"), ("notAfter", "1950-05-31"), *GREGORIAN),
        False,
    ),
]


@pytest.mark.parametrize(
    ("text", "year", "attrs", "from_context"), FORMS, ids=[f[0] for f in FORMS]
)
def test_form(text: str, year: int | None, attrs: Attrs, from_context: bool) -> None:
    match = only_match(f"on {text} there", year)
    assert (match.start, match.end) == (3, 3 + len(text))
    assert match.attrs == attrs
    assert match.year_from_context is from_context


def test_coordinated_months_are_two_dates() -> None:
    text = "held in Moscow in August and November 1905."
    matches, problems = find_dates(text, Context(year=1905))
    assert problems == []
    assert [text[m.start : m.end] for m in matches] == ["August", "November 1905"]
    august, november = matches
    assert august.attrs == (
        ("notBefore", "1905-08-14"),
        ("notAfter", "1905-09-13"),
        ("when-custom", "1905-08"),
        *JULIAN,
    )
    assert november.attrs == (
        ("notBefore", "1905-11-14"),
        ("notAfter", "1905-12-13"),
        ("when-custom", "1905-11"),
        *JULIAN,
    )
    assert not august.year_from_context


def test_range_and_following_date() -> None:
    text = "events from May 6 to August 31 and to September 12."
    matches, _ = find_dates(text, Context(year=1917))
    assert [text[m.start : m.end] for m in matches] == ["May 6 to August 31", "September 12"]
    assert matches[0].attrs == (
        ("from", "1917-05-19"),
        ("to", "1917-09-13"),
        ("from-custom", "1917-05-06"),
        ("to-custom", "1917-08-31"),
        *JULIAN,
        *FROM_CONTEXT,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Pravda, No. 308.",
        "pp. 203-204",
        "Volume 10, pages 17-28.",
        "Delo Naroda, p. 1.",
        "see present edition, Vol. 5, pp. 451-67.—Ed.",
        "a circulation of up to 80,000 though",
        "It was closed by the government after issue No. 27;",
        "a unit of the 17th Army Corps threatening us",
        "May the spring holiday of the world proletariat find Russia free",
        "the conquests of the October Revolution, to fortify",
        "after the victory of the October insurrection in Petrograd",
        "What are the lessons of the October revolution?[5]",
        "the first congress of 14 associations of lawyers",
        "15 issues out of 27 being confiscated",
        "the Winter Palace",
        "first of all, secondly",
        "No. 1917",
        "Vol. 1905, p. 1906, pages 1907-08",
        "page 307",
    ],
)
def test_not_dates(text: str) -> None:
    assert find_dates(text, Context(year=1917)) == ([], [])


def test_mismatched_dual_date_is_a_problem() -> None:
    text = "On November 3 (20), 1917 the committee met."
    matches, problems = find_dates(text, Context(year=1917))
    assert matches == []
    assert problems == [
        DateProblem(
            3,
            24,
            "November 3 (20), 1917",
            "dual date 'November 3 (20), 1917' fits neither order of the 13-day "
            "Julian/Gregorian relation",
        )
    ]


def test_nineteenth_century_pair_uses_twelve_days() -> None:
    assert only_match("April 10 (22), 1870").attrs == (
        ("when", "1870-04-22"),
        ("when-custom", "1870-04-10"),
        *DUAL,
    )
    _, problems = find_dates("April 10 (23), 1870", Context())
    assert "12-day" in problems[0].message


def test_dual_order_comes_from_relation_not_position() -> None:
    # Gregorian written first in both; only the relation tells.
    assert only_match("November 20 (7), 1917").attrs == (
        ("when", "1917-11-20"),
        ("when-custom", "1917-11-07"),
        *DUAL,
    )
    assert only_match("November 7 (October 25), 1917").attrs == (
        ("when", "1917-11-07"),
        ("when-custom", "1917-10-25"),
        *DUAL,
    )


def test_marker_contradicting_dual_date_is_a_problem() -> None:
    _, problems = find_dates("November 14 (1), 1917 (O.S.)", Context())
    assert len(problems) == 1
    assert "marked O.S." in problems[0].message


def test_unpaired_days_are_a_problem() -> None:
    matches, problems = find_dates("November 5 or 6 (18), 1917", Context())
    assert matches == []
    assert [p.text for p in problems] == ["November 5 or 6 (18), 1917"]


def test_invalid_day_is_a_problem() -> None:
    matches, problems = find_dates("February 29, 1917 and June 31, 1917", Context())
    assert matches == []
    assert [p.text for p in problems] == ["February 29, 1917", "June 31, 1917"]
    assert "not a valid julian date" in problems[0].message


def test_missing_year_without_context_is_a_problem() -> None:
    matches, problems = find_dates("On November 3 they met.", Context())
    assert matches == []
    assert [p.text for p in problems] == ["November 3"]


def test_override_reads_one_expression_as_gregorian() -> None:
    context = Context(year=1917, overrides={"November 3": "gregorian"})
    matches, _ = find_dates("On November 3 and November 4 they met.", context)
    assert [m.attrs for m in matches] == [
        (("when", "1917-11-03"), *GREGORIAN, *FROM_CONTEXT),
        (("when", "1917-11-17"), ("when-custom", "1917-11-04"), *JULIAN, *FROM_CONTEXT),
    ]


def test_override_reads_a_late_date_as_julian() -> None:
    overrides = {"November 5, 1940": "julian"}
    assert only_match("November 5, 1940", overrides=overrides).attrs == (
        ("when", "1940-11-18"),
        ("when-custom", "1940-11-05"),
        *JULIAN,
    )


def test_override_wins_over_marker() -> None:
    overrides = {"October 25, 1917 (O.S.)": "gregorian"}
    assert only_match("October 25, 1917 (O.S.)", overrides=overrides).attrs == (
        ("when", "1917-10-25"),
        *GREGORIAN,
    )


def test_gregorian_default_calendar() -> None:
    match = only_match("November 3", 1917, default_calendar="gregorian")
    assert match.attrs == (("when", "1917-11-03"), *GREGORIAN, *FROM_CONTEXT)


def test_old_style_marker_overrides_gregorian_default() -> None:
    match = only_match("October 25, 1917 O.S.", default_calendar="gregorian")
    assert match.attrs == (("when", "1917-11-07"), ("when-custom", "1917-10-25"), *JULIAN)


def test_russian_cutover() -> None:
    assert only_match("January 31, 1918").attrs == (
        ("when", "1918-02-13"),
        ("when-custom", "1918-01-31"),
        *JULIAN,
    )
    assert only_match("February 14, 1918").attrs == (("when", "1918-02-14"), *GREGORIAN)
    assert only_match("February 1918").attrs == (("when", "1918-02"), *GREGORIAN)


@pytest.mark.parametrize(
    "context",
    [Context(default_calendar="hebrew"), Context(overrides={"May 1905": "old"})],
)
def test_bad_context_raises(context: DateContext) -> None:
    with pytest.raises(ValueError):
        find_dates("May 1905", context)


def test_longest_expression_wins() -> None:
    text = "Written on November 2-4 (15-17), 1905"
    matches, _ = find_dates(text, Context(year=1905))
    assert [text[m.start : m.end] for m in matches] == ["November 2-4 (15-17), 1905"]


# Expressions each source is known to contain (the document year comes from the file name).
KNOWN = {
    "1905-11-02": [
        "November 2-4 (15-17), 1905",
        "November 5, 1940",
        "1965",
        "2004",
        "Ninth of January",
        "November 1905",
        "autumn of 1940",
        "October 27 (November 9) to December 3 (16), 1905",
        "1900-05",
        "1901-05",
        "October 1905",
        "May 1905",
        "July 1905",
        "January 9, 1905",
        "January 9",
        "1905-07",
        "August",
        "the end of 1906",
        "early in November 1905",
    ],
    "1917-09-12": [
        "May 6 to August 31",
        "September 12",
        "August 12",
        "September 15 (28), 1917",
        "Mar 6",
        "August 31",
        "September 14-22",
    ],
    "1917-11-01": [
        "November 14 (1), 1917",
        "October 29 (November 11), 1917",
        "November 1 (14)",
        "November 2 (15)",
        "November 3 (16)",
        "November 5 or 6 (18 or 19)",
        "November 7 (20)",
    ],
    "1917-11-04": [
        "November 6/19, 1917",
        "1917-1918",
        "1934",
        "October 2017",
        "November 1/14",
    ],
    "1917-11-05": [
        "November 5 or 6 (18 or 19), 1917",
        "November 4",
        "October 10, 1917",
        "November 3",
        "November 5",
    ],
}


@pytest.mark.parametrize("path", sorted(SOURCES.glob("*.txt")), ids=lambda p: p.name[:10])
def test_sources(path: Path) -> None:
    context = Context(year=int(path.name[:4]))
    found: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        matches, problems = find_dates(line, context)
        assert problems == [], problems
        found.extend(line[m.start : m.end] for m in matches)
    for expression in KNOWN[path.name[:10]]:
        assert expression in found
    assert not any(text.startswith(("No.", "pp.", "October Rev")) for text in found)


def test_every_source_is_known() -> None:
    assert sorted(p.name[:10] for p in SOURCES.glob("*.txt")) == sorted(KNOWN)


PIECES = [
    "November", "Oct.", "May", "Sept", " ", ", ", "(", ")", "/", "-", "–", " or ", " to ",
    " and ", " of ", "1", "5", "14", "29", "31", "9th", "Ninth", "twenty-first", "1917",
    "1900", "1918", "1582", "05", "O.S.", "(N.S.)", "autumn", "winter", "No. ", "pp. ",
    "February", "December", "80,000",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.sampled_from(PIECES), max_size=12),
    st.sampled_from([None, 1905, 1917, 1918, 1940]),
    st.sampled_from(["julian", "gregorian"]),
)
def test_any_text_gives_disjoint_well_formed_results(
    pieces: list[str], year: int | None, calendar: str
) -> None:
    text = "".join(pieces)
    matches, problems = find_dates(text, Context(year=year, default_calendar=calendar))
    spans = sorted([(m.start, m.end) for m in matches] + [(p.start, p.end) for p in problems])
    for (_, end), (start, _) in pairwise(spans):
        assert end <= start
    for match in matches:
        assert 0 <= match.start < match.end <= len(text)
        names = [name for name, _ in match.attrs]
        assert any(n in names for n in ("when", "from", "notBefore"))
    for problem in problems:
        assert problem.text == text[problem.start : problem.end]
        assert "\n" not in problem.message


# --- qualified dates ------------------------------------------------------------------

QUALIFIED = [
    ("written not earlier than November 6 (19), 1917", {"notBefore": "1917-11-19",
     "notBefore-custom": "1917-11-06"}),
    ("not later than November 10, 1917", {"notAfter": "1917-11-23", "notAfter-custom": "1917-11-10"}),
    ("before November 5, 1917", {"notAfter": "1917-11-17", "notAfter-custom": "1917-11-04"}),
    ("after May 1917", {"notBefore": "1917-06-14", "notBefore-custom": "1917-06-01"}),
    ("early in November 1905", {"notBefore-custom": "1905-11-01", "notAfter-custom": "1905-11-10"}),
    ("late in November 1905", {"notBefore-custom": "1905-11-21", "notAfter-custom": "1905-11-30"}),
    ("at the beginning of 1902", {"notBefore": "1902-01-01", "notAfter": "1902-03-31"}),
    ("by the end of 1906", {"notBefore": "1906-10-01", "notAfter": "1906-12-31"}),
    ("between 5 and 6 December 1917", {"notBefore-custom": "1917-12-05",
     "notAfter-custom": "1917-12-06"}),
    ("between October 5 and October 9, 1917", {"notBefore-custom": "1917-10-05",
     "notAfter-custom": "1917-10-09"}),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), QUALIFIED, ids=[q[0] for q in QUALIFIED])
def test_a_qualifier_stays_in_the_date_as_a_range(text: str, expected: dict) -> None:
    context = Context(year=1917, default_calendar="julian", change_over=(1918, 1, 31))
    (match,), problems = find_dates(text, context)
    assert problems == []
    attrs = dict(match.attrs)
    assert {k: attrs.get(k) for k in expected} == expected
    assert "when" not in attrs and "from" not in attrs
    assert match.qualifier is not None and text[match.start :].startswith(match.qualifier)


def test_a_day_with_a_roman_month_is_a_date() -> None:
    context = Context(default_calendar="julian", change_over=(1918, 1, 31))
    for text in ("26.X.1917", "26/X/1917", "26 X 1917"):
        (match,), _ = find_dates(text, context)
        assert dict(match.attrs)["when-custom"] == "1917-10-26", text
    assert find_dates("31.II.1917", context)[0] == []  # no such day


def test_each_single_date_says_how_its_calendar_was_chosen() -> None:
    context = Context(year=1917, default_calendar="julian", change_over=(1918, 1, 31))
    (default,), _ = find_dates("October 10", context)
    assert default.calendar_source == "default"
    (marked,), _ = find_dates("October 10, 1917 N.S.", context)
    assert marked.calendar_source == "marker"
    (dual,), _ = find_dates("October 10 (23), 1917", context)
    assert dual.calendar_source is None
    (local,), _ = find_dates("on October 10", context, lambda position: "gregorian")
    assert local.calendar_source == "local" and dict(local.attrs)["when"] == "1917-10-10"
