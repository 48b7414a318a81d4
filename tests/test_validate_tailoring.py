"""A tailored tei_all grammar gives every document the same verdict as the whole one."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest
from conftest import REPO, bundled_texts, texts_with
from lxml import etree

from pipeline.validate import BATCH, ValidationConfig, validate_paths
from pipeline.validate.schemas import (
    forget_compiled,
    quickly_valid,
    read_relaxng,
    relaxng_for,
    tailorable,
)
from pipeline.validate.tailor import Grammar, Usage
from pipeline.xmltools import TEI_NS, XML_NS, safe_parser

T = f"{{{TEI_NS}}}"
R = "{http://relaxng.org/ns/structure/1.0}"
OURS = sorted((REPO / "tei").glob("*.xml"))
FOREIGN = [
    p
    for p in sorted((REPO / "tests" / "data" / "foreign").glob("*.xml"))
    if p.name not in {"not_wellformed.xml", "duplicate_id.xml"}
]

# Attribute changes of the kinds editors make by mistake: an attribute the element does
# not have, a value that breaks a datatype or a pattern facet, a required one dropped.
ATTRIBUTE_CHANGES = [
    ("type", "two words"),
    ("type", ""),
    ("type", "ok"),
    ("ref", "#a #b"),
    ("ref", ""),
    ("ref", " #padded "),
    ("when", "1917-13-01"),
    ("when", "1917-10"),
    ("place", "bottom"),
    ("rend", "italic\u00a0bold"),
    ("n", "3 a"),
    ("unit", "page"),
    ("calendar", "#julian"),
    ("bogus", "x"),
    (f"{{{XML_NS}}}lang", "ru"),
    (f"{{{XML_NS}}}lang", "not a language"),
    ("drop", None),
]


def sample() -> Path:
    """A bundled text with paragraphs and none of what the tests add or expect absent
    (<sp>, <unclear>); the smallest such, as some tests copy it many times."""
    texts = bundled_texts()
    ids = texts_with("/tei:TEI[not(.//tei:sp) and not(.//tei:unclear)]//tei:p")
    return min((texts[i] for i in ids), key=lambda p: p.stat().st_size)


def parse(path: Path) -> etree._ElementTree:
    return etree.parse(str(path), safe_parser())


def mutations(tree: etree._ElementTree, seed: int) -> list[etree._ElementTree]:
    """Small, mostly invalid changes to elements and attributes."""
    rng = random.Random(seed)
    out = []
    for _ in range(20):
        changed = copy.deepcopy(tree)
        targets = [
            e for e in changed.iter() if isinstance(e.tag, str) and e.getparent() is not None
        ]
        victim = targets[rng.randrange(len(targets))]
        kind = rng.choice(
            ["drop", "move-up", "stray", "swap", "duplicate", "attribute", "attribute"]
        )
        parent = victim.getparent()
        if kind == "drop":
            parent.remove(victim)
        elif kind == "move-up" and parent.getparent() is not None:
            parent.getparent().append(victim)
        elif kind == "stray":
            victim.append(etree.Element(T + rng.choice(["speaker", "l", "p", "div", "body"])))
        elif kind == "swap":
            other = targets[rng.randrange(len(targets))]
            if (
                other is not victim
                and victim not in other.iterancestors()
                and other not in victim.iterancestors()
            ):
                victim.addprevious(copy.deepcopy(other))
        elif kind == "attribute":
            name, value = ATTRIBUTE_CHANGES[rng.randrange(len(ATTRIBUTE_CHANGES))]
            if value is None:
                with_attributes = [e for e in targets if e.attrib]
                if with_attributes:
                    chosen = with_attributes[rng.randrange(len(with_attributes))]
                    del chosen.attrib[rng.choice(sorted(chosen.attrib))]
            else:
                victim.set(name, value)
        else:
            victim.addnext(copy.deepcopy(victim))
        out.append(changed)
    return out


@pytest.mark.parametrize("path", OURS + FOREIGN, ids=lambda p: p.name)
def test_tailored_and_whole_grammar_agree(path: Path, tei_all_rng, tei_schema_dir):
    rng_path = tei_schema_dir / "tei_all.rng"
    base = parse(path)
    grammar = tailorable(rng_path)
    assert grammar is not None
    for number, tree in enumerate([base, *mutations(base, seed=len(path.name))]):
        alone = etree.RelaxNG(grammar.tailor(grammar.usage(tree))).validate(tree)
        whole = tei_all_rng.validate(tree)
        assert alone == whole, f"{path.name} mutation {number}: tailored {alone}, whole {whole}"


def test_one_grammar_tailored_for_a_whole_batch_agrees(tei_all_rng, tei_schema_dir):
    """The runner tailors once for a batch: every member keeps its verdict."""
    grammar = tailorable(tei_schema_dir / "tei_all.rng")
    trees = []
    for path in OURS + FOREIGN:
        base = parse(path)
        trees += [base, *mutations(base, seed=len(path.name) + 1)]
    usage = Usage()
    for tree in trees:
        usage = usage | grammar.usage(tree)
    batch = etree.RelaxNG(grammar.tailor(usage))
    verdicts = [tei_all_rng.validate(tree) for tree in trees]
    assert True in verdicts and False in verdicts
    for number, (tree, whole) in enumerate(zip(trees, verdicts, strict=True)):
        assert batch.validate(tree) == whole, number


def test_tailored_grammar_keeps_only_what_the_documents_use(tei_schema_dir):
    grammar = tailorable(tei_schema_dir / "tei_all.rng")
    tree = parse(sample())
    usage = grammar.usage(tree)
    tailored = grammar.tailor(usage).getroot()
    named = {e.get("name") for e in tailored.iter(R + "element") if e.get("name")}
    used = {etree.QName(t).localname for t in usage.elements}
    assert named <= used and "p" in named and "sp" not in named
    # nothing libxml2 would refuse to compile into automata
    assert tailored.find(f".//{R}notAllowed") is None
    # a <p> may carry only the attributes some <p> of the document carries
    p_attributes = {
        a.get("name")
        for d in tailored.iter(R + "element")
        if d.get("name") == "p"
        for a in d.iter(R + "attribute")
    }
    carried = {
        etree.QName(n).localname
        if not n.startswith(f"{{{XML_NS}}}")
        else "xml:" + etree.QName(n).localname
        for p in tree.iter(T + "p")
        for n in p.attrib
    }
    assert p_attributes == carried


def test_pattern_facets_are_dropped_only_when_every_value_satisfies_them(tei_schema_dir):
    grammar = tailorable(tei_schema_dir / "tei_all.rng")
    tree = parse(sample())
    clean = grammar.usage(tree)
    assert clean.failing == frozenset()
    assert (
        not grammar.tailor(clean)
        .getroot()
        .xpath("//r:param[@name='pattern']", namespaces={"r": R[1:-1]})
    )

    broken = copy.deepcopy(tree)
    # @rend is a list of teidata.word, split at XML whitespace only: a no-break space
    # inside a word breaks the word's pattern facet.
    broken.find(f".//{T}p").set("rend", "two\u00a0words")
    usage = grammar.usage(broken)
    assert usage.failing
    patterns = (
        grammar.tailor(usage)
        .getroot()
        .xpath("//r:param[@name='pattern']/text()", namespaces={"r": R[1:-1]})
    )
    assert "[^\\p{C}\\p{Z}]+" in patterns
    assert not etree.RelaxNG(grammar.tailor(usage)).validate(broken)


def test_usage_only_grows():
    a = Usage(frozenset({"x"}), frozenset({("x", "n")}), frozenset({1}))
    b = Usage(frozenset({"y"}), frozenset(), frozenset())
    both = a | b
    assert both.covers(a) and both.covers(b) and not a.covers(b)


def test_a_grammar_that_cannot_be_tailored_is_used_whole(tmp_path):
    included = tmp_path / "part.rng"
    included.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
        '<define name="doc"><element name="doc"><text/></element></define></grammar>'
    )
    main = tmp_path / "main.rng"
    main.write_text(
        '<grammar xmlns="http://relaxng.org/ns/structure/1.0">'
        '<include href="part.rng"/><start><ref name="doc"/></start></grammar>'
    )
    with pytest.raises(ValueError):
        Grammar(read_relaxng(main))
    assert tailorable(main) is None
    tree = etree.ElementTree(etree.fromstring("<doc>text</doc>"))
    assert relaxng_for(main, tree).validate(tree)
    bad = etree.ElementTree(etree.fromstring("<doc><x/></doc>"))
    assert not relaxng_for(main, bad).validate(bad)


def _errors(validator: etree.RelaxNG) -> list[tuple[int, str]]:
    return [
        (e.line, e.message)
        for e in validator.error_log
        if e.type_name not in ("RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERSEQ")
    ]


@pytest.mark.parametrize("path", [p for p in FOREIGN if "invalid" in p.name], ids=lambda p: p.name)
def test_the_grammar_for_messages_says_what_the_whole_one_says(path, tei_all_rng, tei_schema_dir):
    grammar = tailorable(tei_schema_dir / "tei_all.rng")
    tree = parse(path)
    assert not tei_all_rng.validate(tree)
    for_messages = etree.RelaxNG(grammar.tailor(grammar.usage(tree), stand_ins=True))
    assert not for_messages.validate(tree)
    assert _errors(for_messages) == _errors(tei_all_rng)
    assert _errors(tei_all_rng)


def test_the_grammar_for_messages_keeps_every_verdict(tei_all_rng, tei_schema_dir):
    """As the runner uses it: tailored once, with stand-ins, for a whole batch."""
    grammar = tailorable(tei_schema_dir / "tei_all.rng")
    trees = []
    for path in OURS + FOREIGN:
        base = parse(path)
        trees += mutations(base, seed=7)
    usage = Usage()
    for tree in trees:
        usage = usage | grammar.usage(tree)
    stand_ins = etree.RelaxNG(grammar.tailor(usage, stand_ins=True))
    first_error_same = invalid = 0
    for number, tree in enumerate(trees):
        whole = tei_all_rng.validate(tree)
        whole_errors = _errors(tei_all_rng)
        assert stand_ins.validate(tree) == whole, number
        if not whole:
            invalid += 1
            first_error_same += _errors(stand_ins)[:1] == whole_errors[:1]
    # libxml2 sometimes names another of the expected elements, never another place
    assert invalid > 100 and first_error_same >= 0.95 * invalid


def test_the_quick_check_never_passes_what_the_grammar_was_not_tailored_to(tei_schema_dir):
    rng_path = tei_schema_dir / "tei_all.rng"
    forget_compiled()
    plain = parse(sample())
    assert relaxng_for(rng_path, plain).validate(plain)
    assert quickly_valid(rng_path, plain)
    # valid, but with an element the grammar was not tailored to: not quickly valid
    with_new_element = copy.deepcopy(plain)
    with_new_element.find(f".//{T}p").append(etree.Element(T + "unclear"))
    assert not quickly_valid(rng_path, with_new_element)
    assert relaxng_for(rng_path, with_new_element).validate(with_new_element)
    # a value breaking a facet the tailored grammar dropped: not quickly valid
    broken = copy.deepcopy(plain)
    broken.find(f".//{T}p").set("rend", "two\u00a0words")
    forget_compiled()
    assert relaxng_for(rng_path, plain).validate(plain)
    assert not quickly_valid(rng_path, broken)
    assert not relaxng_for(rng_path, broken).validate(broken)
    forget_compiled()


@pytest.mark.parametrize("jobs", [1, 2])
def test_files_after_the_first_batch_get_their_own_verdicts(tmp_path, tei_env, jobs):
    """Past the first batch the runner checks with the grammar tailored so far: a file
    with new vocabulary, or a value breaking a dropped facet, must still be judged right."""
    source = sample()
    for n in range(BATCH + 20):
        (tmp_path / f"a{n:04d}.xml").write_bytes(source.read_bytes())
    tree = parse(source)
    tree.find(f".//{T}p").append(etree.Element(T + "unclear"))
    tree.write(str(tmp_path / "z1-new-element.xml"), encoding="utf-8")
    tree = parse(source)
    tree.find(f".//{T}p").set("rend", "two\u00a0words")
    tree.write(str(tmp_path / "z2-broken-facet.xml"), encoding="utf-8")
    forget_compiled()
    run = validate_paths(
        [tmp_path], ["tei_all"], ValidationConfig(tei_schema_dir=tei_env), jobs=jobs
    )
    forget_compiled()
    verdicts = {Path(r.path).name: r.valid for r in run.results}
    assert len(verdicts) == BATCH + 22
    assert verdicts.pop("z1-new-element.xml") is True
    assert verdicts.pop("z2-broken-facet.xml") is False
    assert all(verdicts.values())


OTHER_GRAMMAR = """<grammar xmlns="http://relaxng.org/ns/structure/1.0"
    xmlns:x="urn:x-other" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><ref name="doc"/></start>
  <div ns="urn:x-doc">
    <define name="doc">
      <element name="doc">
        <optional><attribute name="when"><data type="date"/></attribute></optional>
        <optional><attribute name="x:kind"><data type="token">
          <param name="pattern">[a-z]+</param></data></attribute></optional>
        <oneOrMore><choice><ref name="p"/><ref name="note"/><ref name="x-item"/></choice>
        </oneOrMore>
      </element>
    </define>
    <define name="p"><element name="p"><optional><attribute name="n">
      <data type="integer"/></attribute></optional><text/></element></define>
    <define name="note"><element name="note"><attribute name="place">
      <choice><value>foot</value><value>end</value></choice></attribute><text/></element>
    </define>
  </div>
  <define name="x-item"><element name="x:item"><data type="string"/></element></define>
</grammar>"""


@pytest.mark.parametrize(
    "document",
    [
        '<doc xmlns="urn:x-doc"><p>a</p></doc>',
        '<doc xmlns="urn:x-doc" when="1917-10-25"><p n="3">a</p></doc>',
        '<doc xmlns="urn:x-doc" when="1917-13-25"><p>a</p></doc>',
        '<doc xmlns="urn:x-doc"><p n="three">a</p></doc>',
        '<doc xmlns="urn:x-doc"><note place="foot">n</note></doc>',
        '<doc xmlns="urn:x-doc"><note>n</note></doc>',
        '<doc xmlns="urn:x-doc" xmlns:x="urn:x-other" x:kind="abc"><x:item>i</x:item></doc>',
        '<doc xmlns="urn:x-doc" xmlns:x="urn:x-other" x:kind="a b"><p>a</p></doc>',
        '<doc xmlns="urn:x-doc" xmlns:x="urn:x-other"><item>i</item></doc>',
        "<doc><p>no namespace</p></doc>",
    ],
)
def test_another_project_s_grammar_keeps_its_verdicts(tmp_path, document):
    """A namespace inherited through a div, prefixed names, datatypes and facets."""
    path = tmp_path / "other.rng"
    path.write_text(OTHER_GRAMMAR, encoding="utf-8")
    whole = etree.RelaxNG(etree.parse(str(path)))
    grammar = tailorable(path)
    assert grammar is not None
    tree = etree.ElementTree(etree.fromstring(document))
    usage = grammar.usage(tree)
    assert etree.RelaxNG(grammar.tailor(usage)).validate(tree) == whole.validate(tree)
    stand_ins = etree.RelaxNG(grammar.tailor(usage, stand_ins=True))
    assert stand_ins.validate(tree) == whole.validate(tree)
