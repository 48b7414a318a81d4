"""The pruned tei_all grammar gives every document the same verdict as the whole one."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from conftest import REPO
from lxml import etree

from pipeline.validate.schemas import (
    PRUNED_NS,
    element_names,
    prune_relaxng,
    read_relaxng,
    relaxng_for,
)
from pipeline.xmltools import TEI_NS, safe_parser

T = f"{{{TEI_NS}}}"
OURS = sorted((REPO / "tei").glob("*.xml"))
FOREIGN = [p for p in sorted((REPO / "tests" / "data" / "foreign").glob("*.xml"))
           if p.name not in {"not_wellformed.xml", "duplicate_id.xml"}]


def parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), safe_parser())


def mutations(tree: etree._ElementTree, seed: int) -> list[etree._ElementTree]:
    """Small, mostly invalid changes of the kinds editors make by mistake."""
    rng = random.Random(seed)
    elements = [e for e in tree.iter() if isinstance(e.tag, str) and e.getparent() is not None]
    out = []
    for _ in range(12):
        changed = copy.deepcopy(tree)
        targets = [e for e in changed.iter() if isinstance(e.tag, str)
                   and e.getparent() is not None]
        victim = targets[rng.randrange(len(targets))]
        kind = rng.choice(["drop", "move-up", "stray", "swap", "duplicate"])
        parent = victim.getparent()
        if kind == "drop":
            parent.remove(victim)
        elif kind == "move-up" and parent.getparent() is not None:
            parent.getparent().append(victim)
        elif kind == "stray":
            victim.append(etree.Element(T + rng.choice(["speaker", "l", "p", "div", "body"])))
        elif kind == "swap":
            other = targets[rng.randrange(len(targets))]
            if other is not victim and victim not in other.iterancestors() and \
                    other not in victim.iterancestors():
                victim.addprevious(copy.deepcopy(other))
        else:
            victim.addnext(copy.deepcopy(victim))
        out.append(changed)
    assert elements
    return out


@pytest.mark.parametrize("path", OURS + FOREIGN, ids=lambda p: p.name)
def test_pruned_and_whole_grammar_agree(path: Path, tei_all_rng, tei_schema_dir):
    rng_path = tei_schema_dir / "tei_all.rng"
    base = parse(path)
    for number, tree in enumerate([base, *mutations(base, seed=len(path.name))]):
        pruned = relaxng_for(rng_path, tree).validate(tree)
        whole = tei_all_rng.validate(tree)
        assert pruned == whole, f"{path.name} mutation {number}: pruned {pruned}, whole {whole}"


def test_pruning_keeps_the_elements_asked_for(tei_schema_dir):
    schema = read_relaxng(tei_schema_dir / "tei_all.rng")
    keep = frozenset({T + "TEI", T + "p"})
    pruned = prune_relaxng(schema, keep)
    rng = "{http://relaxng.org/ns/structure/1.0}"
    kept = {d.get("name") for d in pruned.getroot().iter(rng + "define")
            if d.find(rng + "element") is not None}
    assert {"TEI", "p"} <= kept and "sp" not in kept
    assert len(kept) < 20  # most element definitions became notAllowed


def test_stub_pruned_grammar_agrees_over_the_whole_set(tei_all_rng, tei_schema_dir):
    """The grammar for big batches: pruned to the union of the batch, with stubs."""
    trees = []
    for path in OURS + FOREIGN:
        base = parse(path)
        trees += [base, *mutations(base, seed=len(path.name) + 1)]
    union = frozenset().union(*(element_names(t) for t in trees))
    stubbed = etree.RelaxNG(prune_relaxng(read_relaxng(tei_schema_dir / "tei_all.rng"), union,
                                          stub=True))
    for number, tree in enumerate(trees):
        assert stubbed.validate(tree) == tei_all_rng.validate(tree), number


def test_a_document_posing_as_a_stub_gets_the_whole_grammar(tei_all_rng, tei_schema_dir):
    tree = parse(OURS[0])
    body = tree.find(f".//{T}body")
    body.append(etree.Element(f"{{{PRUNED_NS}}}sp"))
    assert not tei_all_rng.validate(tree)
    assert not relaxng_for(tei_schema_dir / "tei_all.rng", tree).validate(tree)
