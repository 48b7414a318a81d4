"""The same inputs give the same bytes: two copies of the edition in two places, built
and exported by separate processes with different hash seeds, are byte-identical."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import files_below, responsible_project, run_edition

EXPORTS = (
    ["tei-corpus"],
    ["bundle"],
    ["registers"],
    ["cmif"],
    ["txt"],
    ["txt", "--mode", "original"],
    ["dts"],
)


@pytest.fixture(scope="module")
def twins(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    made = []
    for seed, place in (("1", "first/deeper/place"), ("4242", "second")):
        # Settings that name a base URL, so that every export (CMIF too) is made.
        project = responsible_project(tmp_path_factory.mktemp("twin") / place)
        # Start from nothing generated: tei/ keeps only what is not made from sources/.
        for generated in (project / "tei").glob("*.xml"):
            if generated.name != "registers.xml":
                generated.unlink()
        env = {"PYTHONHASHSEED": seed, "SOURCE_DATE_EPOCH": ""}
        for command in (["build"], *(["export", *e] for e in EXPORTS)):
            result = run_edition(*command, cwd=project, env=env)
            assert result.returncode == 0, (command, result.stderr)
        made.append(project)
    return made


@pytest.mark.parametrize("folder", ["tei", "site", "dist"])
def test_byte_identical_across_processes_seeds_and_places(twins: list[Path], folder: str) -> None:
    first, second = (files_below(project / folder) for project in twins)
    assert first, folder
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert not differing, differing


def test_no_machine_path_is_written(twins: list[Path]) -> None:
    for project in twins:
        for folder in ("tei", "site", "dist"):
            for name, data in files_below(project / folder).items():
                assert str(project).encode() not in data, f"{folder}/{name}"
                assert b"/tmp/" not in data, f"{folder}/{name}"


def test_the_bundle_is_the_same_in_the_site_and_in_dist(twins: list[Path]) -> None:
    for project in twins:
        [bundle] = (project / "dist").glob("*.zip")
        assert (project / "site" / "downloads" / bundle.name).read_bytes() == bundle.read_bytes()
