"""Tailoring a RELAX NG grammar to the documents about to be validated with it.

libxml2 takes over ten seconds to compile the whole of tei_all and then spends most of its
validation time on the dozens of optional attributes every TEI element allows and on
compiling an XSD regular expression for every attribute value it checks. Documents only
ever use a small part of the grammar, so for a batch of documents we write a grammar that
gives each of them the same verdict as the whole one but holds only what they can touch:

- an ``element`` pattern for a name that no document has matches nothing: it is treated
  as ``notAllowed``;
- an ``attribute`` pattern inside element E for a name that no E in the batch carries
  matches nothing either (attribute classes are inlined into each element for this);
- ``notAllowed`` is then simplified away as the RELAX NG specification does (section
  4.19), together with what matches only the empty sequence, so that libxml2 still
  compiles content models into automata (it gives up on any containing ``notAllowed``);
- a ``pattern`` facet is dropped from a ``data`` pattern when every value in the batch
  that could reach it satisfies the facet (checked once per distinct value, by libxml2
  itself); the facet can then change no verdict.

The result compiles in milliseconds and validates several times faster. Verdicts are
what matter here: error messages still come from the whole grammar (see ``schemas``).
"""

from __future__ import annotations

import copy
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from pipeline.xmltools import XML_NS

RNG_NS = "http://relaxng.org/ns/structure/1.0"
_R = f"{{{RNG_NS}}}"
# Pattern names in Clark notation, made once: the hot loops compare many.
_ANY_NAME = _R + "anyName"
_ATTRIBUTE = _R + "attribute"
_CHOICE = _R + "choice"
_DATA = _R + "data"
_DEFINE = _R + "define"
_ELEMENT = _R + "element"
_EMPTY = _R + "empty"
_EXCEPT = _R + "except"
_GRAMMAR = _R + "grammar"
_GROUP = _R + "group"
_LIST = _R + "list"
_NAME = _R + "name"
_NOT_ALLOWED = _R + "notAllowed"
_NS_NAME = _R + "nsName"
_OPTIONAL = _R + "optional"
_PARAM = _R + "param"
_REF = _R + "ref"
_START = _R + "start"
_TEXT = _R + "text"
_VALUE = _R + "value"
_ZERO_OR_MORE = _R + "zeroOrMore"
_NAME_CLASSES = {_NAME, _ANY_NAME, _NS_NAME, _EXCEPT}
_LEAVES = {_TEXT, _DATA, _VALUE, _LIST, _EMPTY}

_ALL_ATTRIBUTES = etree.XPath("//@*")

# TEI's commonest facets, with a condition enough for a value to satisfy each (checked in
# Python: most values are plain ASCII); any other value is checked by libxml2 itself.
_ENOUGH = {
    "\\S+": re.compile(r"[^ \t\n\r]+"),
    "[^\\p{C}\\p{Z}]+": re.compile(r"[!-~]+"),
}
_XML_SPACES = str.maketrans("\t\n\r", "   ")
# A word of printable ASCII: each condition above holds for every such word (each is one
# character class repeated, and takes the whole printable range), so a value of one such
# word satisfies every facet those conditions stand for, listed or not.
_PLAIN_WORD = re.compile(r"[!-~]+")
_PRINTABLE = "".join(map(chr, range(0x21, 0x7F)))
_PLAIN_ENOUGH = frozenset(p for p, enough in _ENOUGH.items() if enough.fullmatch(_PRINTABLE))

# Statuses of a pattern for a batch, ordered so that a fixpoint can only climb.
NOTHING, RESCUE, EMPTY, CONTENT = 0, 1, 2, 3
# RESCUE (grammars for messages only): matches nothing in these documents, but is kept, as
# stand-ins, where dropping it would leave its parent matching nothing either; then
# libxml2 can say which element it expected there.


def _patterns(node: etree._Element) -> list[etree._Element]:
    """The child patterns of a RELAX NG element (no name classes, params, annotations)."""
    return [
        c
        for c in node
        if isinstance(c.tag, str)
        and c.tag.startswith(_R)
        and c.tag not in _NAME_CLASSES
        and c.tag != _PARAM
    ]


def _clark(node: etree._Element) -> str | None:
    """The name an ``element`` or ``attribute`` pattern matches; None for a name class."""
    name = node.get("name")
    if name is None:
        return None
    name = name.strip()
    if ":" in name:
        prefix, local = name.split(":", 1)
        namespace = XML_NS if prefix == "xml" else node.nsmap.get(prefix)
        return f"{{{namespace}}}{local}"
    if node.tag == _ATTRIBUTE:
        namespace = node.get("ns", "")  # attributes do not inherit ns
    else:
        namespace = next((n.get("ns") for n in node.iterancestors() if n.get("ns") is not None), "")
        namespace = node.get("ns", namespace)
    return f"{{{namespace}}}{name}" if namespace else name


@dataclass(frozen=True)
class Usage:
    """What a batch of documents uses of a grammar. Only ever grows, by ``|``."""

    elements: frozenset[str] = frozenset()
    # (element, attribute) pairs, in Clark notation.
    attributes: frozenset[tuple[str, str]] = frozenset()
    # Indexes (into Grammar.facets) of pattern facets that some value fails.
    failing: frozenset[int] = frozenset()

    def __or__(self, other: Usage) -> Usage:
        return Usage(
            self.elements | other.elements,
            self.attributes | other.attributes,
            self.failing | other.failing,
        )

    def covers(self, other: Usage) -> bool:
        return (
            other.elements <= self.elements
            and other.attributes <= self.attributes
            and other.failing <= self.failing
        )


class Grammar:
    """A RELAX NG grammar (one ``grammar`` element with ``define``s, as tei_all is),
    analysed once so that it can be tailored for many batches."""

    def __init__(self, tree: etree._ElementTree) -> None:
        self.root = tree.getroot()
        if self.root.tag != _GRAMMAR or self.root.find(_START) is None:
            raise ValueError("not a single RELAX NG grammar with a start")
        if (
            self.root.find(f".//{_R}include") is not None
            or self.root.find(f".//{_R}externalRef") is not None
            or self.root.find(f".//{_R}parentRef") is not None
            or any(d.get("combine") for d in self.root.iter(_DEFINE))
            or self.root.find(f".//{_R}grammar") is not None
        ):
            raise ValueError("grammar uses include, externalRef, nested grammars or combine")
        # lxml hands out the same proxy for a node only while one is alive; analysis results
        # are keyed by id(), so every node is kept alive with the grammar.
        self._alive = list(self.root.iter())
        self._kids: dict[int, list[etree._Element]] = {}
        self.start = self.root.find(_START)
        self.defines = {d.get("name"): d for d in self.root.iter(_DEFINE)}
        missing = {r.get("name") for r in self.root.iter(_REF)} - set(self.defines)
        if missing:
            raise ValueError(f"undefined references: {sorted(missing)[:3]}")
        self.names = {id(n): _clark(n) for n in self.root.iter(_ELEMENT, _ATTRIBUTE)}
        self.attribute_only = self._attribute_only_defines()
        self.facets: list[etree._Element] = [
            d
            for d in self.root.iter(_DATA)
            if any(p.get("name") == "pattern" for p in d.iter(_PARAM))
        ]
        self._facet_index = {id(d): i for i, d in enumerate(self.facets)}
        self._enough = {i: _enough(d) for i, d in enumerate(self.facets)}
        self.reach, self.text_facets = self._facet_reach()
        self._reach_names = frozenset(self.reach)
        self._plain_names = frozenset(
            name
            for name, found in self.reach.items()
            if all(_facet_pattern(self.facets[i]) in _PLAIN_ENOUGH for i, _ in found)
        )
        self._facet_checks: dict[int, etree.RelaxNG] = {}
        self._verdicts: dict[tuple[int, str], bool] = {}
        self._value_verdicts: dict[tuple[str, str], frozenset[int]] = {}
        self._dependents: dict[str, tuple[str, ...]] | None = None

    def patterns(self, node: etree._Element) -> list[etree._Element]:
        """``_patterns(node)``, worked out once per node of this grammar (do not change it)."""
        key = id(node)
        found = self._kids.get(key)
        if found is None:
            found = self._kids[key] = _patterns(node)
        return found

    def dependents(self) -> dict[str, tuple[str, ...]]:
        """For each define, the defines whose status may read its status when tailoring:
        those that refer to it, directly or through attribute-only defines (inlined)."""
        if self._dependents is None:
            direct: dict[str, set[str]] = {}
            for name, define in self.defines.items():
                refs = direct[name] = set()
                stack = list(self.patterns(define))
                while stack:
                    node = stack.pop()
                    if node.tag == _REF:
                        refs.add(node.get("name"))
                    else:
                        stack.extend(self.patterns(node))
            through: dict[str, set[str]] = {}

            def reached(name: str) -> set[str]:
                # What a define refers to, looking inside the attribute-only ones it uses.
                if name not in through:
                    through[name] = set()  # (attribute-only defines never form a cycle)
                    found = set(direct[name])
                    for target in direct[name]:
                        if target in self.attribute_only:
                            found |= reached(target)
                    through[name] = found
                return through[name]

            found: dict[str, set[str]] = {name: set() for name in self.defines}
            for name in self.defines:
                for target in reached(name):
                    found[target].add(name)
            self._dependents = {name: tuple(sorted(d)) for name, d in found.items()}
        return self._dependents

    # --- analysis, once per grammar ---------------------------------------------------------

    def _attribute_only_defines(self) -> frozenset[str]:
        memo: dict[str, bool] = {}

        def only(p: etree._Element) -> bool:
            tag = p.tag
            if tag == _ATTRIBUTE or tag == _EMPTY:
                return True
            if tag == _REF:
                name = p.get("name")
                if name not in memo:
                    memo[name] = False  # a cycle is not attribute-only
                    memo[name] = all(only(c) for c in _patterns(self.defines[name]))
                return memo[name]
            if tag in (_ELEMENT, _NOT_ALLOWED) or tag in _LEAVES:
                return False
            children = _patterns(p)
            return bool(children) and all(only(c) for c in children)

        return frozenset(
            name
            for name, d in self.defines.items()
            if _patterns(d) and all(only(c) for c in _patterns(d))
        )

    def _facet_reach(self) -> tuple[dict[str, set[tuple[int, bool]]], set[int]]:
        """For each attribute name, the facets its values (or, in a ``list``, its
        tokens) may be checked against; and the facets reachable from element text."""

        def under(
            p: etree._Element, in_list: bool, seen: set[tuple[str, bool]]
        ) -> set[tuple[int, bool]]:
            found: set[tuple[int, bool]] = set()
            stack = [(p, in_list)]
            while stack:
                node, listed = stack.pop()
                tag = node.tag
                if tag in (_ELEMENT, _ATTRIBUTE) and node is not p:
                    continue
                if tag == _DATA:
                    index = self.facet_of(node)
                    if index is not None:
                        found.add((index, listed))
                    continue
                if tag == _REF:
                    name = node.get("name")
                    if (name, listed) not in seen:
                        seen.add((name, listed))
                        stack.append((self.defines[name], listed))
                    continue
                stack.extend((c, listed or tag == _LIST) for c in _patterns(node))
            return found

        reach: dict[str, set[tuple[int, bool]]] = {}
        for attribute in self.root.iter(_ATTRIBUTE):
            name = self.names[id(attribute)]
            found = under(attribute, False, set())
            if found:
                # A name class may match any attribute: its facets are never dropped.
                reach.setdefault(name or "*", set()).update(found)
        text: set[int] = set()
        seen: set[tuple[str, bool]] = set()
        for element in [self.start, *self.root.iter(_ELEMENT)]:
            text.update(i for i, _ in under(element, False, seen))
        text.update(i for i, _ in reach.get("*", ()))
        return reach, text

    def attributes_of(self, element: str) -> frozenset[str] | None:
        """The attribute names (Clark) any ``element`` pattern for ``element`` declares;
        None when one of them allows attributes of any name (a name class)."""
        if not hasattr(self, "_attributes_of"):
            self._attributes_of: dict[str, frozenset[str] | None] = {}
        if element in self._attributes_of:
            return self._attributes_of[element]
        found: set[str] = set()
        open_class = False
        for pattern in self.root.iter(_ELEMENT):
            if self.names.get(id(pattern)) != element:
                continue
            stack, seen = list(_patterns(pattern)), set()
            while stack:
                node = stack.pop()
                if node.tag == _ELEMENT:
                    continue  # a child element's attributes are its own
                if node.tag == _ATTRIBUTE:
                    name = self.names.get(id(node))
                    if name is None:
                        open_class = True
                    else:
                        found.add(name)
                    continue
                if node.tag == _REF:
                    name = node.get("name")
                    if name not in seen:
                        seen.add(name)
                        stack.extend(_patterns(self.defines[name]))
                    continue
                stack.extend(_patterns(node))
        result = None if open_class else frozenset(found)
        self._attributes_of[element] = result
        return result

    def facet_of(self, data: etree._Element) -> int | None:
        """The index of a ``data`` pattern of this grammar with a pattern facet."""
        return self._facet_index.get(id(data))

    # --- what a document uses ---------------------------------------------------------------

    def usage(self, tree: etree._ElementTree | etree._Element) -> Usage:
        """The elements, attributes and failing facets of one document."""
        root = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
        elements: set[str] = set()
        by_element: dict[str, set[str]] = {}
        failing: set[int] = set()
        checked, plain, plain_word = self._reach_names, self._plain_names, _PLAIN_WORD.fullmatch
        for el in root.iter():
            tag = el.tag
            if tag.__class__ is not str:
                continue  # comments and processing instructions
            items = el.items()
            if not items:
                elements.add(tag)
                continue
            names = by_element.get(tag)
            if names is None:
                names = by_element[tag] = set()
            for name, value in items:
                names.add(name)
                if name in checked and not (name in plain and plain_word(value)):
                    failing.update(self._failing_facets(name, value))
        elements.update(by_element)
        attributes = {(tag, name) for tag, names in by_element.items() for name in names}
        return Usage(frozenset(elements), frozenset(attributes), frozenset(failing))

    def facets_hold(self, tree: etree._ElementTree, failing: frozenset[int]) -> bool:
        """Whether every attribute value of ``tree`` satisfies each pattern facet it may
        meet, other than those in ``failing`` (which a tailored grammar keeps)."""
        checked, plain, plain_word = self._reach_names, self._plain_names, _PLAIN_WORD.fullmatch
        known = self._value_verdicts
        for value in _ALL_ATTRIBUTES(tree):
            name = value.attrname
            if name not in checked or (name in plain and plain_word(value)):
                continue
            bad = known.get((name, value))
            if bad is None:
                # str(): the memo must not keep the XPath result, and so the tree, alive
                bad = self._failing_facets(name, str(value))
            if bad and not bad <= failing:
                return False
        return True

    def _failing_facets(self, name: str, value: str) -> frozenset[int]:
        """The facets reachable from attribute ``name`` that ``value`` does not satisfy
        (remembered per name and value)."""
        bad = self._value_verdicts.get((name, value))
        if bad is not None:
            return bad
        found = set()
        for index, listed in self.reach[name]:
            # A list splits at XML whitespace only (str.split would split at no-break space).
            values = value.translate(_XML_SPACES).split(" ") if listed else (value,)
            if not all(self._satisfies(index, v) for v in values if v or not listed):
                found.add(index)
        if len(self._value_verdicts) > 200_000:
            self._value_verdicts.clear()  # a memo, not a record: keep memory bounded
        bad = self._value_verdicts[(name, value)] = frozenset(found)
        return bad

    def _satisfies(self, index: int, value: str) -> bool:
        enough = self._enough[index]
        if enough is not None and enough.fullmatch(value):
            return True
        key = (index, value)
        verdict = self._verdicts.get(key)
        if verdict is None:
            check = self._facet_checks.get(index)
            if check is None:
                check = self._facet_checks[index] = _facet_check(self.facets[index])
            probe = etree.Element("v")
            probe.text = value
            verdict = self._verdicts[key] = bool(check.validate(probe))
        return verdict

    # --- tailoring ----------------------------------------------------------------------------

    def tailor(self, usage: Usage, stand_ins: bool = False) -> etree._ElementTree:
        """A grammar giving every document within ``usage`` the whole grammar's verdict.

        With ``stand_ins`` it is tailored for error messages rather than speed: where
        dropping the elements nobody uses would leave a required part matching nothing,
        they stay, as empty stand-ins (still never matching, but named when libxml2 says
        what it expected), and attributes and facets are all kept, so that a missing
        required element or attribute is reported where it is missing.
        """
        return _Tailoring(self, usage, stand_ins).grammar()


def _facet_pattern(data: etree._Element) -> str | None:
    """The pattern facet of a ``data`` pattern, when it has exactly one."""
    patterns = [p.text or "" for p in data.iter(_PARAM) if p.get("name") == "pattern"]
    return patterns[0] if len(patterns) == 1 else None


def _enough(data: etree._Element) -> re.Pattern[str] | None:
    pattern = _facet_pattern(data)
    return _ENOUGH.get(pattern) if pattern is not None else None


def _facet_check(data: etree._Element) -> etree.RelaxNG:
    """A grammar of one element whose text must match ``data`` (its type and facets)."""
    library = next(
        (
            n.get("datatypeLibrary")
            for n in data.iterancestors()
            if n.get("datatypeLibrary") is not None
        ),
        "",
    )
    library = data.get("datatypeLibrary", library)
    grammar = etree.Element(_ELEMENT, name="v", nsmap={None: RNG_NS})
    copied = copy.deepcopy(data)
    copied.set("datatypeLibrary", library)
    for child in list(copied):
        if child.tag != _PARAM:
            copied.remove(child)  # an except is not a facet; the type is checked anyway
    grammar.append(copied)
    return etree.RelaxNG(etree.ElementTree(grammar))


class _Tailoring:
    """One tailoring run: statuses of the defines for a usage, then the new grammar."""

    def __init__(self, grammar: Grammar, usage: Usage, stand_ins: bool = False) -> None:
        self.g = grammar
        self.usage = usage
        self.stand_ins = stand_ins
        by_element: dict[str, set[str]] = {}
        for element, attribute in usage.attributes:
            by_element.setdefault(element, set()).add(attribute)
        self.by_element = {k: frozenset(v) for k, v in by_element.items()}
        self.all_attributes = frozenset(a for _, a in usage.attributes)
        self.status = dict.fromkeys(grammar.defines, NOTHING)
        self.needed: dict[str, None] = {}
        self._memo: dict[tuple[int, int], int] | None = None
        self._settle()
        self._memo = {}  # statuses are final from here on

    # Context ``ctx``: the attribute names an attribute pattern may match here. None means
    # "not inside a named element": any attribute name used anywhere in the batch.

    def _settle(self) -> None:
        # Statuses only climb, and every status is a monotone function of the others, so
        # re-working out only the defines whose inputs changed reaches the same fixpoint
        # as sweeping over all of them until nothing changes. Only the defines that can be
        # reached from the start without entering an element nobody uses are worked out:
        # their statuses depend on no others, and no others are ever asked for.
        defines = self.g.defines
        dependents = self.g.dependents()
        live = self._reachable()
        queue = deque(name for name in defines if name in live)
        queued = set(queue)
        while queue:
            name = queue.popleft()
            queued.discard(name)
            if self.status[name] == CONTENT:
                continue
            status = self._group(self.g.patterns(defines[name]), None)
            if status != self.status[name]:
                self.status[name] = status
                for other in dependents[name]:
                    if other in live and other not in queued:
                        queued.add(other)
                        queue.append(other)

    def _reachable(self) -> set[str]:
        """The defines reachable from the start without entering an element pattern for a
        name that no document uses (whose status is known without its content)."""
        used = self.usage.elements
        names = self.g.names
        found: set[str] = set()
        stack = list(self.g.patterns(self.g.start))
        while stack:
            node = stack.pop()
            tag = node.tag
            if tag == _REF:
                name = node.get("name")
                if name not in found:
                    found.add(name)
                    stack.extend(self.g.patterns(self.g.defines[name]))
                continue
            if tag == _ELEMENT:
                name = names[id(node)]
                if name is not None and name not in used:
                    continue
            stack.extend(self.g.patterns(node))
        return found

    def _group(self, children: Iterable[etree._Element], ctx: frozenset[str] | None) -> int:
        result = EMPTY
        rescued = False
        for child in children:
            status = self._of(child, ctx)
            if status == NOTHING:
                return NOTHING
            rescued = rescued or status == RESCUE
            result = max(result, status)
        return RESCUE if rescued else result

    def _element_ctx(self, node: etree._Element) -> frozenset[str] | None:
        name = self.g.names[id(node)]
        return None if name is None else self.by_element.get(name, frozenset())

    def _of(self, p: etree._Element, ctx: frozenset[str] | None) -> int:
        if self._memo is None:
            return self._status(p, ctx)
        key = (id(p), id(ctx))
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._status(p, ctx)
        return found

    def _status(self, p: etree._Element, ctx: frozenset[str] | None) -> int:
        tag = p.tag
        if tag == _REF:
            name = p.get("name")
            if ctx is not None and name in self.g.attribute_only:
                return self._group(self.g.patterns(self.g.defines[name]), ctx)
            return self.status[name]
        if tag == _ELEMENT:
            name = self.g.names[id(p)]
            if name is not None and name not in self.usage.elements:
                return RESCUE if self.stand_ins else NOTHING
            return CONTENT if self._group(self.g.patterns(p), self._element_ctx(p)) else NOTHING
        if tag == _ATTRIBUTE:
            name = self.g.names[id(p)]
            allowed = self.all_attributes if ctx is None else ctx
            if name is not None and name not in allowed:
                return RESCUE if self.stand_ins else NOTHING
            return CONTENT if self._group(self.g.patterns(p), None) else NOTHING
        if tag == _CHOICE:
            return max((self._of(c, ctx) for c in self.g.patterns(p)), default=NOTHING)
        if tag in (_OPTIONAL, _ZERO_OR_MORE):
            return CONTENT if self._group(self.g.patterns(p), ctx) == CONTENT else EMPTY
        if tag == _EMPTY:
            return EMPTY
        if tag == _NOT_ALLOWED:
            return NOTHING
        if tag in _LEAVES:
            return CONTENT
        return self._group(self.g.patterns(p), ctx)  # group, oneOrMore, interleave, mixed

    # --- writing the tailored grammar -------------------------------------------------------

    def grammar(self) -> etree._ElementTree:
        root = etree.Element(self.g.root.tag, dict(self.g.root.attrib), nsmap=self.g.root.nsmap)
        start = etree.SubElement(root, _START, dict(self.g.start.attrib))
        if self._group(self.g.patterns(self.g.start), None) in (CONTENT, RESCUE):
            self._emit_children(start, self.g.patterns(self.g.start), None)
        else:
            etree.SubElement(start, _NOT_ALLOWED)
        written: set[str] = set()
        while len(written) < len(self.needed):
            for name in [n for n in self.needed if n not in written]:
                written.add(name)
                source = self.g.defines[name]
                define = etree.SubElement(root, _DEFINE, dict(source.attrib))
                self._emit_children(define, self.g.patterns(source), None)
        return etree.ElementTree(root)

    def _emit_children(
        self,
        parent: etree._Element,
        children: list[etree._Element],
        ctx: frozenset[str] | None,
    ) -> None:
        """Append the patterns of a group (all known not to be NOTHING), leaving out those
        that match only the empty sequence; ``<empty/>`` if nothing else remains."""
        kept = [c for c in children if self._of(c, ctx) in (CONTENT, RESCUE)]
        for child in kept:
            self._emit(parent, child, ctx)
        if not len(parent) or all(c.tag in _NAME_CLASSES for c in parent):
            etree.SubElement(parent, _EMPTY)

    def _emit(self, parent: etree._Element, p: etree._Element, ctx: frozenset[str] | None) -> None:
        tag = p.tag
        if tag == _REF:
            name = p.get("name")
            if ctx is not None and name in self.g.attribute_only:
                self._emit_group(parent, self.g.patterns(self.g.defines[name]), ctx)
            else:
                self.needed.setdefault(name, None)
                etree.SubElement(parent, tag, dict(p.attrib))
            return
        if tag in (_VALUE, _TEXT, _EMPTY):
            parent.append(_bare_copy(p))
            return
        if tag == _DATA:
            copied = _bare_copy(p)
            index = self.g.facet_of(p)
            if (
                index is not None
                and index not in self.usage.failing
                and index not in self.g.text_facets
            ):
                for param in copied.findall(_PARAM):
                    if param.get("name") == "pattern":
                        copied.remove(param)
            parent.append(copied)
            for ref in copied.iter(_REF):  # inside an except
                self.needed.setdefault(ref.get("name"), None)
            return
        if tag == _CHOICE:
            statuses = [(c, self._of(c, ctx)) for c in self.g.patterns(p)]
            kept = [c for c, s in statuses if s == CONTENT]
            optional = bool(kept) and any(s == EMPTY for _, s in statuses)
            if not kept:  # all stand-ins: this choice is a required part of its parent
                kept = [c for c, s in statuses if s == RESCUE]
            target = parent
            if optional:
                target = etree.SubElement(parent, _OPTIONAL)
            if len(kept) == 1:
                self._emit(target, kept[0], ctx)
            else:
                choice = etree.SubElement(target, _CHOICE)
                for child in kept:
                    self._emit_one(choice, child, ctx)
            return
        if (
            tag == _ELEMENT
            and self.g.names[id(p)] is not None
            and self.g.names[id(p)] not in self.usage.elements
        ):
            stand_in = etree.SubElement(parent, tag, dict(p.attrib), nsmap=p.nsmap)
            _settle_inherited(p, stand_in)
            etree.SubElement(stand_in, _EMPTY)
            return
        if tag in (_ELEMENT, _ATTRIBUTE):
            # nsmap: a prefixed name needs its prefix declared wherever it is written
            node = etree.SubElement(parent, tag, dict(p.attrib), nsmap=p.nsmap)
            _settle_inherited(p, node)
            for child in p:
                if isinstance(child.tag, str) and child.tag in _NAME_CLASSES:
                    node.append(copy.deepcopy(child))
            inner = self._element_ctx(p) if tag == _ELEMENT else None
            if tag == _ATTRIBUTE and not self.g.patterns(p):
                return  # an attribute pattern without content means text
            self._emit_children(node, self.g.patterns(p), inner)
            return
        # group, optional, zeroOrMore, oneOrMore, list, interleave, mixed
        if tag == _GROUP:
            self._emit_group(parent, self.g.patterns(p), ctx)
            return
        node = etree.SubElement(parent, tag, dict(p.attrib))
        if tag == _LIST:
            _settle_inherited(p, node)
        self._emit_group(node, self.g.patterns(p), ctx)

    def _emit_one(
        self, parent: etree._Element, p: etree._Element, ctx: frozenset[str] | None
    ) -> None:
        """Emit ``p`` as exactly one child of ``parent`` (a choice branch)."""
        holder = etree.Element(_GROUP)
        self._emit(holder, p, ctx)
        if len(holder) == 1:
            parent.append(holder[0])
        else:
            parent.append(holder)

    def _emit_group(
        self, parent: etree._Element, children: list[etree._Element], ctx: frozenset[str] | None
    ) -> None:
        # libxml2 mishandles groups of one pattern and stray <empty/>s in some grammars
        # (it loops forever checking attributes), so neither is ever written.
        kept = [c for c in children if self._of(c, ctx) in (CONTENT, RESCUE)]
        if not kept:
            etree.SubElement(parent, _EMPTY)
            return
        for child in kept:
            self._emit(parent, child, ctx)


def _bare_copy(node: etree._Element) -> etree._Element:
    copied = copy.deepcopy(node)
    for child in list(copied):
        if not isinstance(child.tag, str) or not child.tag.startswith(_R):
            copied.remove(child)
    _settle_inherited(node, copied)
    return copied


def _inherited(node: etree._Element, name: str) -> str | None:
    for holder in (node, *node.iterancestors()):
        value = holder.get(name)
        if value is not None:
            return value
    return None


def _settle_inherited(source: etree._Element, written: etree._Element) -> None:
    """Write out the ``ns`` and ``datatypeLibrary`` a pattern inherits in the source
    grammar: the tailored grammar drops the groups, divs and defines it inherited them
    through. (An attribute pattern does not inherit ``ns``.)"""
    names = ("datatypeLibrary",) if source.tag == _ATTRIBUTE else ("ns", "datatypeLibrary")
    for name in names:
        if written.get(name) is None:
            value = _inherited(source, name)
            if value is not None:
                written.set(name, value)
