"""Fuzzing the OQS wire codec (entrypoints/oqs/wire.py, OQS.md §2.1, §3) with Hypothesis.

`wire.decode(body, content_type)` either reads a message — a dict and its encoding, one of
UTF-8, Shift_JIS and json — or refuses it with `codes.Unreadable` (SegmentOfResult 9); it never
fails with another exception, whatever the bytes. Whatever it reads can be written back in every
encoding by `wire.encode`, and what is written reads again.

- arbitrary bytes under every media type;
- near-valid `XmlMsg` documents generated from a tree in the JSON form (random element names,
  texts, nesting, repeated elements, the list containers, an XML declaration naming UTF-8 or
  Shift_JIS in its several spellings, a BOM, CDATA, character references, comments and
  indentation): each reads as exactly its tree, and goes both ways in every encoding;
- the same documents with a bogus encoding, a DTD, an entity declaration or reference (`&xxe;`),
  an XInclude element, nesting deeper than `wire.MAX_DEPTH` or a character XML 1.0 cannot carry:
  each is refused with the code of section 3;
- JSON bodies with random nested values, read or refused, and written back as they were read.

The examples are derandomized (the same ones on every run of `make test`); `make test LONG=1`
draws ten times as many, at random."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shikaku.entrypoints.oqs import codes, wire
from shikaku.entrypoints.oqs.codes import Unreadable
from tests.helpers import LONG_TESTS

XML_TYPES = ["application/xml", "text/xml", "application/xml; charset=utf-8", "Text/XML; charset=Shift_JIS",
             " APPLICATION/XML "]
JSON_TYPES = ["application/json", "application/json; charset=utf-8"]
ENCODINGS = (wire.UTF8, wire.SHIFT_JIS, wire.JSON)
FUZZ = settings(max_examples=2500 if LONG_TESTS else 250, deadline=None, derandomize=not LONG_TESTS,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_EMPTY_ELEMENT = re.compile(r"<([A-Za-z_][A-Za-z0-9_.-]*)(?:/>|></\1>)")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


# ---------------------------------------------------------------- the property

def read_or_refused(body: bytes, content_type: str):
    """The tree and encoding `wire.decode` reads, or None when it refuses the message with
    Unreadable; any other exception fails the test. What is read is written back, in its own
    encoding and in the others."""
    try:
        tree, encoding = wire.decode(body, content_type)
    except Unreadable as exc:
        assert exc.code in codes.MESSAGES and exc.message_ja, exc.code
        assert exc.encoding in ENCODINGS, exc.encoding
        return None
    assert isinstance(tree, dict), tree
    assert encoding in ENCODINGS, encoding
    written_back(tree, encoding)
    for out in ENCODINGS:
        content = wire.encode(tree, out)[0]
        if out == wire.JSON and json_levels(json.loads(content)[wire.ROOT]) > wire.MAX_DEPTH:
            # The JSON form counts an array as a level of its own: a message read from XML with
            # a repeated element at the depth bound has a JSON form that is refused as too deep.
            # The server never writes one form for the other (an answer is in the request's).
            with pytest.raises(Unreadable, match=codes.TOO_COMPLEX):
                wire.decode(content, "application/json")
            continue
        written_back(tree, out)
    return tree, encoding


def json_levels(value) -> int:
    """The levels `wire.decode` counts in a JSON value: a dict and a list are one each."""
    if isinstance(value, (dict, list)):
        inner = [v for v in (value.values() if isinstance(value, dict) else value) if v is not None]
        return 1 + max(map(json_levels, inner), default=0)
    return 1


def written_back(tree: dict, encoding: str) -> dict:
    """`tree` written in `encoding` and read again (which must succeed)."""
    content, media_type = wire.encode(tree, encoding)
    assert isinstance(content, bytes)
    if encoding == wire.JSON:
        assert media_type == "application/json"
    else:
        assert media_type.startswith("application/xml"), media_type
        text = content.decode("cp932" if encoding == wire.SHIFT_JIS else "utf-8")
        assert text.startswith(f'<?xml version="1.0" encoding="{encoding}"?><XmlMsg')
    try:
        again, read_encoding = wire.decode(content, media_type)
    except Unreadable as exc:
        raise AssertionError(f"wire.encode wrote what wire.decode refuses ({exc.code}): {content!r}") from None
    assert read_encoding == encoding
    header = again.get("MessageHeader")
    if isinstance(header, dict) and "CharacterCodeIdentifier" in header:  # it names the encoding written
        assert header["CharacterCodeIdentifier"] == ("1" if encoding == wire.SHIFT_JIS else "0"), header
    return again


def ordered(value) -> str:
    """A comparable form of a tree that keeps the order of the elements (dicts compare without it)."""
    return json.dumps(value, ensure_ascii=False)


# ---------------------------------------------------------------- (a) arbitrary bytes

_PREFIXES = st.sampled_from([b"", b"\xef\xbb\xbf", b"<?xml version=\"1.0\"?>", b"<XmlMsg>", b"{\"XmlMsg\": ",
                             b"<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><XmlMsg>", b"\xff\xfe", b"\xfe\xff",
                             b"<!DOCTYPE XmlMsg>"])


@FUZZ
@given(st.tuples(_PREFIXES, st.binary(max_size=300)).map(b"".join),
       st.sampled_from(XML_TYPES + JSON_TYPES + ["text/plain", "", "application/x-www-form-urlencoded"]))
def test_arbitrary_bytes_are_read_or_refused(body, content_type):
    read_or_refused(body, content_type)


# ---------------------------------------------------------------- (b) XmlMsg documents

OQS_NAMES = ["MessageHeader", "MessageBody", "QualificationConfirmSearchInfo", "InsurerNumber", "Birthdate",
             "ResultOfQualificationConfirmation", "ProcessingResultStatus", "CharacterCodeIdentifier",
             "ResultList", "SpecificDiseasesCertificateList", "SpecificDiseasesCertificateInfo", "BulkConfirmUnit",
             "ReferenceNumber", "Name", "ErrorMessage"]
NAMES = st.one_of(st.sampled_from(OQS_NAMES), st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True))
PLAIN_NAMES = NAMES.filter(lambda n: n not in wire.CONTAINERS and n not in wire.ALWAYS_LISTS)


def _xml_char(c: str) -> bool:
    """A character XML 1.0 carries as itself in text (a CR is read as LF: left out)."""
    return c in "\t\n" or ("\x20" <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd") or c >= "\U00010000"


def _cp932_char(c: str) -> bool:
    try:
        return c.encode("cp932").decode("cp932") == c
    except UnicodeError:
        return False


def _in_cp932(c: str) -> str:
    """A character as Shift_JIS (CP932) carries it: itself, its CP932 form (¢ → ￠), or 〓."""
    try:
        return c.encode("cp932").decode("cp932")
    except UnicodeError:
        return wire.GETA


_SPECIAL = "髙橋﨑〜～①㈱ｱｶﾞ 　&<>\"'\x85\u2028]\t\n"
_UTF8_CHARS = st.characters(codec="utf-8", exclude_categories=("Cs",),
                            exclude_characters="".join(c for c in map(chr, range(0x20)) if c not in "\t\n")
                            + "\ufffe\uffff")
_CP932_CHARS = sorted({c for c in map(chr, range(0x20, 0x10000)) if _xml_char(c) and _cp932_char(c)} | set("\t\n"))
UTF8_TEXT = st.text(st.one_of(_UTF8_CHARS, st.sampled_from(_SPECIAL)), max_size=12)
CP932_TEXT = st.text(st.sampled_from(_CP932_CHARS + [c for c in _SPECIAL if _cp932_char(c)] * 40), max_size=12)


@st.composite
def trees(draw, text: st.SearchStrategy, levels: int = wire.MAX_DEPTH) -> dict:
    """The content of an `XmlMsg` (level 1) in the JSON form `wire.decode` reads, with elements
    down to level `levels`: a text is a str, children a dict in their order, a repeated element
    a list of two or more, `BulkConfirmUnit` a list of one or more, `ResultList` a list of
    one-entry dicts and `SpecificDiseasesCertificateList` a list of its items' contents."""
    def some(low: int, high: int) -> int:
        return draw(st.integers(low, high))

    def value(level: int):  # the content of one element at `level`
        if level >= levels or some(0, 3):
            return draw(text)
        return children(level)

    def children(level: int) -> dict:  # the children (level + 1) of an element at `level`
        found: dict = {}
        for _ in range(some(1, 3)):
            name, content = pair(level + 1, True)
            found.setdefault(name, content)
        return found

    def pair(level: int, repeatable: bool):
        kinds = ["plain"] * 4 + list(wire.CONTAINERS) + (sorted(wire.ALWAYS_LISTS) if repeatable else [])
        kind = draw(st.sampled_from(kinds))
        name = draw(PLAIN_NAMES) if kind == "plain" else kind
        if name == "ResultList":
            return name, [dict([pair(level + 1, False)]) for _ in range(some(0, 3))] if level < levels else []
        if name in wire.CONTAINERS:
            return name, [value(level + 1) for _ in range(some(0, 3))] if level < levels else []
        if name in wire.ALWAYS_LISTS:
            return name, [value(level) for _ in range(some(1, 3))]
        if repeatable and not some(0, 3):
            return name, [value(level) for _ in range(some(2, 3))]
        return name, value(level)

    return children(1) if some(0, 9) else {}


def levels_of(tree: dict) -> int:
    """The levels of elements of the document of `tree`, XmlMsg being the first."""
    def below(value, name=None) -> int:  # the levels of elements under the element of `value`
        if name == "ResultList":  # its items are one-entry dicts: the elements themselves
            return max((below(item) for item in value), default=0)
        if name in wire.CONTAINERS:  # its items are the contents of its elements
            return max((1 + below(item) for item in value), default=0)
        if isinstance(value, dict):
            return 1 + max((below(v, k) for k, v in value.items()), default=-1)
        if isinstance(value, list):  # a repeated element: each occurrence at the same level
            return max(below(v) for v in value)
        return 0
    return 1 + below(tree)


class Writer:
    """Writes a tree as XML the way clinic software might: the choices (CDATA, character
    references, `<A/>`, indentation, comments, the order of repeated elements) are drawn."""

    def __init__(self, rnd, cdata: bool = True):
        self.rnd, self.cdata = rnd, cdata

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    def gap(self) -> str:
        if self.chance(0.15):
            return self.rnd.choice(["\n  ", "\r\n\t", " ", "<!-- メモ -->", "\n<!--x-->\n"])
        return ""

    def text(self, value: str) -> str:
        if self.cdata and value and "]]>" not in value and "<!" not in value and self.chance(0.2):
            return f"<![CDATA[{value}]]>"
        out = []
        for c in value:
            if c in _ESCAPES:
                out.append(_ESCAPES[c] if self.chance(0.7) else f"&#{ord(c)};")
            elif self.chance(0.05):
                out.append(f"&#x{ord(c):X};")
            else:
                out.append(c)
        return "".join(out)

    def element(self, name: str, value) -> str:
        if isinstance(value, str):
            if not value:
                return self.rnd.choice([f"<{name}/>", f"<{name}></{name}>", f"<{name} />"])
            return f"<{name}>{self.text(value)}</{name}>"
        if name in wire.CONTAINERS:
            if name == "ResultList":
                inner = "".join(self.gap() + self.element(*next(iter(item.items()))) for item in value)
            else:
                inner = "".join(self.gap() + self.element(wire.CONTAINERS[name], item) for item in value)
            if not value:
                return self.rnd.choice([f"<{name}/>", f"<{name}></{name}>", f"<{name}>無視</{name}>"])
            return f"<{name}>{inner}{self.gap()}</{name}>"
        return f"<{name}>{self.children(value)}{self.gap()}</{name}>"

    def children(self, tree: dict) -> str:
        """The children of a dict: the first occurrence of each name in order, the repeated
        ones in order — either together or after all the first occurrences."""
        firsts, rest = [], []
        for name, value in tree.items():
            items = value if isinstance(value, list) and name not in wire.CONTAINERS else [value]
            written = [self.gap() + self.element(name, item) for item in items]
            if self.chance(0.5):
                firsts.append("".join(written))
            else:
                firsts.append(written[0])
                rest.extend(written[1:])
        return "".join(firsts + rest)

    def document(self, tree: dict) -> str:
        if not tree:
            return self.rnd.choice(["<XmlMsg/>", "<XmlMsg></XmlMsg>", "<XmlMsg>\n</XmlMsg>"])
        return f"<XmlMsg>{self.children(tree)}{self.gap()}</XmlMsg>"


UTF8_DECLARATIONS = ["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-8"?>',
                     "<?xml version='1.0' encoding='utf-8'?>", '<?xml version="1.0" encoding="utf8" standalone="yes"?>',
                     '<?xml version="1.0"  encoding = "UTF-8" ?>\n']
SJIS_DECLARATIONS = ['<?xml version="1.0" encoding="Shift_JIS"?>', "<?xml version='1.0' encoding='shift_jis'?>",
                     '<?xml version="1.0" encoding="SJIS"?>', '<?xml version="1.0" encoding="Windows-31J"?>',
                     '<?xml version="1.0" encoding="CP932"?>', '<?xml version="1.0" encoding="MS932"?>',
                     '<?xml version="1.0" encoding="x-sjis"?>', '<?xml version="1.0" encoding="shift-jis"?>\r\n']
BOGUS_ENCODINGS = ["EUC-JP", "ISO-2022-JP", "UTF-16", "UTF-32", "ISO-8859-1", "US-ASCII", "latin1", "bogus",
                   "", "Shift_JIS_2004", "cp1252", "UTF-7"]


@st.composite
def documents(draw, shift_jis: bool | None = None):
    """A document, its tree and its encoding: (bytes, tree, encoding)."""
    sjis = draw(st.booleans()) if shift_jis is None else shift_jis
    tree = draw(trees(CP932_TEXT if sjis else UTF8_TEXT))
    writer = Writer(draw(st.randoms(use_true_random=False)))
    if sjis:
        body = (draw(st.sampled_from(SJIS_DECLARATIONS)) + writer.document(tree)).encode("cp932")
        return body, tree, wire.SHIFT_JIS
    body = (draw(st.sampled_from(UTF8_DECLARATIONS)) + writer.document(tree)).encode("utf-8")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + body, tree, wire.UTF8


def after_xml(value, encoding: str, name: str | None = None):
    """What writing `value` in XML in `encoding` and reading it again gives (None: left out):
    〓 for what Shift_JIS cannot hold, no element without a value, and a repeated element
    written once read as one element."""
    if isinstance(value, str):
        if encoding == wire.SHIFT_JIS:
            value = "".join(map(_in_cp932, value))
        return value or None
    if isinstance(value, dict):
        kept = {k: v for k, v in ((k, after_xml(v, encoding, k)) for k, v in value.items()) if v is not None}
        return kept or None
    items = [v for v in (after_xml(item, encoding) for item in value) if v is not None]
    if len(items) == 1 and name not in wire.CONTAINERS and name not in wire.ALWAYS_LISTS:
        return items[0]
    return items or None


def after_json(value):
    """What writing `value` in JSON and reading it again gives (None: left out)."""
    if isinstance(value, dict):
        kept = {k: v for k, v in ((k, after_json(v)) for k, v in value.items()) if v is not None}
        return kept or None
    if isinstance(value, list):
        return [v for v in map(after_json, value) if v is not None] or None
    return value or None


def without_code(tree: dict | None) -> dict:
    """`tree` without the CharacterCodeIdentifier of its header, which `wire.encode` sets to the
    encoding it writes (checked in `written_back`)."""
    tree = dict(tree or {})
    header = tree.get("MessageHeader")
    if isinstance(header, dict) and "CharacterCodeIdentifier" in header:
        header = {k: v for k, v in header.items() if k != "CharacterCodeIdentifier"}
        if header:
            tree["MessageHeader"] = header
        else:
            del tree["MessageHeader"]
    return tree


@settings(FUZZ, max_examples=2000 if LONG_TESTS else 200)
@given(documents(), st.sampled_from(XML_TYPES))
def test_a_document_reads_as_its_tree_and_goes_both_ways(document, content_type):
    body, tree, encoding = document
    assert levels_of(tree) <= wire.MAX_DEPTH
    read = read_or_refused(body, content_type)
    assert read is not None, f"a well-formed XmlMsg was refused: {body!r}"
    assert ordered(read[0]) == ordered(tree), body
    assert read[1] == encoding
    for out in (wire.UTF8, wire.SHIFT_JIS):
        expected = without_code(after_xml(without_code(tree), out))
        assert ordered(without_code(written_back(tree, out))) == ordered(expected), out
    expected = without_code(after_json(without_code(tree)))
    if json_levels(expected) <= wire.MAX_DEPTH:  # else refused as TOO_COMPLEX (read_or_refused)
        assert ordered(without_code(written_back(tree, wire.JSON))) == ordered(expected)


@FUZZ
@given(st.integers(1, wire.MAX_DEPTH + 4), st.lists(NAMES, min_size=wire.MAX_DEPTH + 4, max_size=wire.MAX_DEPTH + 4),
       UTF8_TEXT, st.randoms(use_true_random=False))
def test_nesting_is_read_to_max_depth_and_refused_below(levels, names, leaf, rnd):
    names = [n for n in names if n not in wire.CONTAINERS and n not in wire.ALWAYS_LISTS] + ["a"] * levels
    tree = leaf
    for name in reversed(names[:levels - 1]):
        tree = {name: tree}
    tree = tree if isinstance(tree, dict) else {}
    body = Writer(rnd).document(tree).encode()
    read = read_or_refused(body, "application/xml")
    if levels_of(tree) > wire.MAX_DEPTH:
        assert read is None, levels_of(tree)
    else:
        assert read is not None and ordered(read[0]) == ordered(tree), body


# ---------------------------------------------------------------- (b') hostile pieces

XINCLUDE = "http://www.w3.org/2001/XInclude"
_XINCLUDES = [f'<xi:include xmlns:xi="{XINCLUDE}" href="file:///etc/passwd" parse="text"/>',
              f'<include xmlns="{XINCLUDE}" href="http://127.0.0.1:9/x"/>',
              f'<xi:include xmlns:xi="{XINCLUDE}" href="x.xml"><xi:fallback>x</xi:fallback></xi:include>',
              f'<Ok xmlns:xi="{XINCLUDE}"><xi:fallback/></Ok>']
_DOCTYPES = ["<!DOCTYPE XmlMsg>", '<!DOCTYPE XmlMsg SYSTEM "http://127.0.0.1:9/x.dtd">',
             '<!DOCTYPE XmlMsg PUBLIC "-//x//y" "file:///etc/passwd">',
             '<!DOCTYPE XmlMsg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
             '<!DOCTYPE XmlMsg [<!ENTITY xxe "試験">]>', '<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p">%p;]>',
             '<!DOCTYPE XmlMsg [<!ELEMENT XmlMsg ANY><!ATTLIST XmlMsg a CDATA "x">]>']
_BAD_CHARACTERS = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "&#0;", "&#1;", "&#x1F;", "&#xFFFE;",
                   "&#xFFFF;", "&#xD800;", "\ufffe", "\uffff"]


def _text_positions(xml: str) -> list[int]:
    """Places inside text content of `xml` (just after a start tag's `>`)."""
    return [m.end() for m in re.finditer(r"<[A-Za-z_][^<>/]*>", xml)]


def _element_positions(xml: str) -> list[int]:
    """Places where an element may stand: just after a start tag or an end tag, inside XmlMsg."""
    ends = [m.end() for m in re.finditer(r"<[A-Za-z_][^<>]*?>|</[^<>]+>", xml)]
    return [p for p in ends if p < len(xml)]


@st.composite
def hostile(draw):
    """A document spoilt by one hostile piece, its encoding and the codes it may be refused with."""
    sjis = draw(st.booleans())
    tree = draw(trees(CP932_TEXT if sjis else UTF8_TEXT, levels=6))
    xml = Writer(draw(st.randoms(use_true_random=False)), cdata=False).document(tree)
    declaration = draw(st.sampled_from(SJIS_DECLARATIONS if sjis else UTF8_DECLARATIONS))
    kind = draw(st.sampled_from(["encoding", "doctype", "entity", "reference", "xinclude", "deep", "character"]))
    allowed = {codes.FORBIDDEN_MARKUP}
    if kind == "encoding":
        name = draw(st.sampled_from(BOGUS_ENCODINGS))
        declaration, allowed = f'<?xml version="1.0" encoding="{name}"?>', {codes.ENCODING}
    elif kind == "doctype":
        xml = draw(st.sampled_from(_DOCTYPES)) + draw(st.sampled_from(["", "\n"])) + xml
        if "xxe" in xml[:80] and draw(st.booleans()):
            xml = _insert(draw, xml, "&xxe;", _text_positions(xml))
    elif kind == "entity":  # a declaration outside any DTD: refused, or not well-formed
        xml = _insert(draw, xml, draw(st.sampled_from(['<!ENTITY xxe "x">', '<!ENTITY xxe SYSTEM "file:///x">'])),
                      _element_positions(xml))
        allowed = {codes.FORBIDDEN_MARKUP, codes.NOT_WELL_FORMED}
    elif kind == "reference":  # an entity no DTD declares: refused, or not well-formed
        xml = _insert(draw, xml, draw(st.sampled_from(["&xxe;", "&lol9;", "&%p;"])), _text_positions(xml))
        allowed = {codes.FORBIDDEN_MARKUP, codes.NOT_WELL_FORMED}
    elif kind == "xinclude":
        xml = _insert(draw, xml, draw(st.sampled_from(_XINCLUDES)), _element_positions(xml))
    elif kind == "deep":
        extra = draw(st.integers(wire.MAX_DEPTH, wire.MAX_DEPTH + 40))
        inner = draw(st.sampled_from(["x", "", "<a/>"]))
        xml = _insert(draw, xml, "<d>" * extra + inner + "</d>" * extra, _element_positions(xml))
        allowed = {codes.TOO_COMPLEX}
    else:
        bad = draw(st.sampled_from(_BAD_CHARACTERS))
        bad = "&#xFFFE;" if sjis and not _cp932_char(bad) else bad
        xml = _insert(draw, xml, bad, _text_positions(xml))
        allowed = {codes.NOT_WELL_FORMED, codes.ENCODING}
    text = declaration + xml
    body = text.encode("cp932" if sjis else "utf-8", errors="surrogatepass")
    return body, kind, allowed


def _insert(draw, xml: str, piece: str, positions: list[int]) -> str:
    if not positions:  # <XmlMsg/>: open it
        xml = xml.replace("<XmlMsg/>", "<XmlMsg></XmlMsg>")
        positions = [xml.index("<XmlMsg>") + len("<XmlMsg>")]
    at = draw(st.sampled_from(positions))
    return xml[:at] + piece + xml[at:]


@FUZZ
@given(hostile(), st.sampled_from(XML_TYPES))
def test_hostile_pieces_are_refused_with_their_code(spoilt, content_type):
    body, kind, allowed = spoilt
    try:
        wire.decode(body, content_type)
    except Unreadable as exc:
        assert exc.code in allowed, (kind, exc.code, body)
        return
    raise AssertionError(f"{kind}: read, not refused: {body!r}")


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(
    ["<XmlMsg>", "</XmlMsg>", "<MessageHeader>", "</MessageHeader>", "<ResultList>", "</ResultList>",
     "<SpecificDiseasesCertificateList>", "</SpecificDiseasesCertificateList>", "<BulkConfirmUnit>",
     "</BulkConfirmUnit>", "<A>", "</A>", "<A/>", "<a:A xmlns:a='urn:x'>", "</a:A>", *_DOCTYPES, *_XINCLUDES,
     '<!ENTITY xxe "x">', "&xxe;", "&amp;", "&#x41;", "&#1;", "<![CDATA[", "]]>", "<!--", "-->", "<?pi x?>",
     '<?xml version="1.0" encoding="Shift_JIS"?>', '<?xml version="1.0" encoding="EUC-JP"?>', "\ufeff",
     "<d>" * 13, "</d>" * 13, "髙", "〓", "\x00", "\x01", "\r"]), st.text(max_size=4)), max_size=25),
    st.sampled_from(["utf-8", "cp932"]), st.sampled_from(XML_TYPES))
def test_fragments_are_read_or_refused_and_what_is_read_goes_both_ways(pieces, codec, content_type):
    body = "".join(pieces).encode(codec, errors="replace")
    read = read_or_refused(body, content_type)
    if read is not None:  # what is written carries no element without a value (OQS.md: "left out")
        for out in (wire.UTF8, wire.SHIFT_JIS):
            text = wire.encode(read[0], out)[0].decode("cp932" if out == wire.SHIFT_JIS else "utf-8")
            empty = [m.group(0) for m in _EMPTY_ELEMENT.finditer(text) if m.group(1) != wire.ROOT]
            assert not empty, (body, text)


# ---------------------------------------------------------------- (c) JSON bodies

JSON_KEYS = st.one_of(NAMES, st.sampled_from(["", "1A", "a b", "a:b", "名前", "x" * 70, "$ref", "xmlns"]))
JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                         st.text(max_size=8), st.sampled_from(["\ud800", "a\udfffb", "\x00", "\x1f", "\r\n", "]]>",
                                                               "<!DOCTYPE x>", "&xxe;", "髙橋"]))
JSON_VALUES = st.recursive(JSON_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(JSON_KEYS, inner, max_size=4)), max_leaves=40)
JSON_MESSAGES = st.one_of(
    st.dictionaries(st.sampled_from(["MessageHeader", "MessageBody", "Other"]), JSON_VALUES, max_size=3),
    JSON_VALUES)


def _plain_json(value) -> bool:
    """A value `wire.decode` reads as it is: text, integers, dicts of element names, lists, nulls."""
    if isinstance(value, bool) or isinstance(value, float):
        return False
    if isinstance(value, str) or value is None:
        return not re.search("[\ud800-\udfff]", value or "")
    if isinstance(value, int):
        return -(2**63) <= value < 2**64
    if isinstance(value, dict):
        return all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}", k) for k in value) and \
            all(map(_plain_json, value.values()))
    return all(map(_plain_json, value))


def _as_read(value):
    """`value` as `wire.decode` reads it: numbers as text, nulls left out."""
    if isinstance(value, dict):
        return {k: _as_read(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_as_read(v) for v in value if v is not None]
    return str(value) if isinstance(value, int) else value


@FUZZ
@given(JSON_MESSAGES, st.sampled_from(JSON_TYPES), st.booleans(), st.booleans())
def test_json_bodies_are_read_or_refused_and_go_back_as_read(message, content_type, wrapped, ascii_only):
    document = {"XmlMsg": message} if wrapped else message
    body = json.dumps(document, ensure_ascii=ascii_only).encode("utf-8", errors="surrogatepass")
    read = read_or_refused(body, content_type)
    readable = wrapped and isinstance(message, dict) and _plain_json(message) and json_levels(message) <= wire.MAX_DEPTH
    assert (read is not None) == readable, body
    if read is None:
        return
    tree, encoding = read
    assert encoding == wire.JSON
    assert ordered(tree) == ordered(_as_read(message))
    expected = without_code(after_json(without_code(tree)))
    assert ordered(without_code(written_back(tree, wire.JSON))) == ordered(expected)


@FUZZ
@given(st.integers(1, wire.MAX_DEPTH + 3), st.sampled_from(["dict", "list"]))
def test_json_nesting_is_bounded_like_xml(levels, kind):
    value = "x"
    for _ in range(levels):
        value = {"a": value} if kind == "dict" else [value]
    read = read_or_refused(json.dumps({"XmlMsg": {"A": value}}).encode(), "application/json")
    assert (read is None) == (levels + 2 > wire.MAX_DEPTH), levels
