"""The wire format of OQS messages (OQS.md §2.1): an `XmlMsg` read into a tree and written back.

A message is a tree of element names: a text element is a `str`, an element with children a
`dict` (in the order of the message), repeated elements a `list`. The tree has the shape of
the JSON form (`{"XmlMsg": {…}}`) that the national HTTPS API and public clients use, so that
the two forms are one model; the lists of that form are written in XML as their clients read
them: `ResultList` holds its `ResultOfQualificationConfirmation` items,
`SpecificDiseasesCertificateList` one `SpecificDiseasesCertificateInfo` per item, and any other
list (`BulkConfirmUnit`, a bulk's `QualificationConfirmSearchInfo`) is the element repeated.

Reading is hardened: XML through lxml (libxml2) with every resolver off — no DTD loaded, no
entity resolved, no network — and a message with a DTD or an entity declaration refused before
it reaches the parser; no XInclude; a bound on the depth and on the number of elements;
UTF-8 or Shift_JIS (Windows' CP932) as the XML declaration says, anything else refused. Writing
leaves out what has no value, declares the encoding, and sends a character that CP932 cannot
hold as 〓 (U+3013)."""
from __future__ import annotations

import codecs
import re
from functools import lru_cache

import orjson
from lxml import etree

from .codes import ENCODING, FORBIDDEN_MARKUP, NOT_WELL_FORMED, NOT_XMLMSG, TOO_COMPLEX, Unreadable

UTF8, SHIFT_JIS, JSON = "UTF-8", "Shift_JIS", "json"
XML_MEDIA_TYPES = frozenset({"application/xml", "text/xml"})
JSON_MEDIA_TYPE = "application/json"
ROOT = "XmlMsg"
MAX_DEPTH = 12  # the deepest OQS element is 6 levels down
MAX_ELEMENTS = 200_000  # a bulk of 10,000 items holds about 90,000
GETA = "\u3013"  # 〓: a character the encoding of the answer cannot hold

# Lists written inside one element, with the name of their items (None: the item is a dict
# whose entries are the children).
CONTAINERS = {"ResultList": None, "SpecificDiseasesCertificateList": "SpecificDiseasesCertificateInfo"}
ALWAYS_LISTS = frozenset({"BulkConfirmUnit"})  # a list even with one element
_CHARACTER_CODES = {UTF8: "0", SHIFT_JIS: "1", JSON: "0"}  # CharacterCodeIdentifier
_ENCODINGS = {"utf-8": UTF8, "utf8": UTF8, "shift_jis": SHIFT_JIS, "shift-jis": SHIFT_JIS,
              "sjis": SHIFT_JIS, "x-sjis": SHIFT_JIS, "windows-31j": SHIFT_JIS, "cp932": SHIFT_JIS,
              "ms932": SHIFT_JIS}
_CODECS = {UTF8: "utf-8", SHIFT_JIS: "cp932"}
_DECLARATION = re.compile(rb"^<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""\sencoding\s*=\s*["']([^"']*)["']""")
_XINCLUDE = "{http://www.w3.org/2001/XInclude}"
_DTD_MARKUP = (b"<!DOCTYPE", b"<!ENTITY")  # refused wherever they are, never handed to the parser
# What XML 1.0 cannot carry (besides tab and line breaks): control characters, surrogates, U+FFFE/F.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")  # an element name (OQS uses ASCII names)
_TO_ESCAPE = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _geta(error: UnicodeEncodeError) -> tuple[str, int]:
    return GETA * (error.end - error.start), error.end


codecs.register_error("oqs_geta", _geta)


def media_type(content_type: str | None) -> str:
    """The media type of a Content-Type header, without its parameters, in lower case."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def readable_media_type(content_type: str | None) -> bool:
    return media_type(content_type) in XML_MEDIA_TYPES | {JSON_MEDIA_TYPE}


def as_list(value) -> list:
    """An element that may occur once or several times, as a list (absent: empty)."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]


# ---------------------------------------------------------------- reading

def decode(body: bytes, content_type: str, max_elements: int = MAX_ELEMENTS) -> tuple[dict, str]:
    """The `XmlMsg` tree of a message and its encoding (`UTF8`, `SHIFT_JIS` or `JSON`); raises
    `Unreadable` for what cannot be processed."""
    kind = media_type(content_type)
    if kind == JSON_MEDIA_TYPE:
        return _decode_json(body, max_elements), JSON
    if kind not in XML_MEDIA_TYPES:
        raise Unreadable(NOT_XMLMSG, "XML（application/xml）または JSON（application/json）で送信してください")
    encoding = declared_encoding(body)
    return _decode_xml(body, encoding, max_elements), encoding


def declared_encoding(body: bytes) -> str:
    """UTF8 or SHIFT_JIS as the XML declaration says (none: UTF-8); `Unreadable` otherwise."""
    head = body[3:] if body.startswith(codecs.BOM_UTF8) else body
    declaration = _DECLARATION.match(head.lstrip())
    if declaration is None:
        if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            raise Unreadable(ENCODING)
        return UTF8
    named = _DECLARED_ENCODING.search(declaration.group(0))
    if named is None:
        return UTF8
    found = _ENCODINGS.get(named.group(1).decode("ascii", "replace").strip().lower())
    if found is None:
        raise Unreadable(ENCODING)
    return found


def _decode_xml(body: bytes, encoding: str, max_elements: int) -> dict:
    try:
        text = body.decode(_CODECS[encoding])
    except UnicodeDecodeError:
        raise Unreadable(ENCODING, f"電文に {encoding} として読めない文字が含まれています", encoding) from None
    if encoding == UTF8:
        data = body.removeprefix(codecs.BOM_UTF8).lstrip()
    else:  # read as UTF-8 from here on: the declaration no longer applies
        text = text.lstrip("\ufeff").lstrip()
        declaration = _DECLARATION.match(text.encode("utf-8"))
        data = text[len(declaration.group(0).decode("utf-8")) if declaration else 0:].encode("utf-8")
    return _Reader(encoding, max_elements).message(_parse(data, encoding))


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False)


_PARSER = _parser()


def _parse(data: bytes, encoding: str):
    if any(markup in data for markup in _DTD_MARKUP):
        raise Unreadable(FORBIDDEN_MARKUP, encoding=encoding)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:  # libxml2's own bounds (depth 256, a text of 10 MB) are ours too
        raise Unreadable(TOO_COMPLEX if exc.code == etree.ErrorTypes.ERR_RESOURCE_LIMIT else NOT_WELL_FORMED,
                         encoding=encoding) from None
    except ValueError:
        raise Unreadable(NOT_WELL_FORMED, encoding=encoding) from None
    if root is None:
        raise Unreadable(NOT_WELL_FORMED, encoding=encoding)
    return root


class _Reader:
    """A parsed message into its tree, counting the elements and their depth as it goes."""

    def __init__(self, encoding: str, max_elements: int):
        self.encoding, self.left = encoding, max_elements

    def message(self, root) -> dict:
        if self.name(root) != ROOT:
            raise Unreadable(NOT_XMLMSG, encoding=self.encoding)
        content = self.content(root, ROOT, 1)
        return content if isinstance(content, dict) else {}

    def name(self, element) -> str:
        """An element's local name (a namespace, which OQS does not use, is ignored)."""
        tag = element.tag
        if not isinstance(tag, str):  # an entity reference left unresolved
            raise Unreadable(FORBIDDEN_MARKUP, encoding=self.encoding)
        if tag[0] == "{":
            if tag.startswith(_XINCLUDE):
                raise Unreadable(FORBIDDEN_MARKUP, encoding=self.encoding)
            return tag.rsplit("}", 1)[-1]
        return tag

    def content(self, element, name: str, depth: int):
        self.left -= 1
        if depth > MAX_DEPTH or self.left < 0:
            raise Unreadable(TOO_COMPLEX, encoding=self.encoding)
        if name in CONTAINERS:
            return [self.item(name, child, depth + 1) for child in element]
        if not len(element):
            return element.text or ""
        tree: dict = {}
        repeated: set[str] = set()
        for child in element:
            key = self.name(child)
            value = self.content(child, key, depth + 1)
            if key in repeated:
                tree[key].append(value)
            elif key in tree:
                tree[key] = [tree[key], value]
                repeated.add(key)
            elif key in ALWAYS_LISTS:
                tree[key] = [value]
                repeated.add(key)
            else:
                tree[key] = value
        return tree

    def item(self, container: str, child, depth: int):
        name = self.name(child)
        if CONTAINERS[container] is None:
            return {name: self.content(child, name, depth)}
        return self.content(child, name, depth)


def _decode_json(body: bytes, max_elements: int) -> dict:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise Unreadable(NOT_WELL_FORMED, encoding=JSON) from None
    if not isinstance(document, dict) or not isinstance(document.get(ROOT), dict):
        raise Unreadable(NOT_XMLMSG, encoding=JSON)
    counter = [0]
    return _json_value(document[ROOT], 1, counter, max_elements)


def _json_value(value, depth: int, counter: list[int], max_elements: int):
    counter[0] += 1
    if depth > MAX_DEPTH or counter[0] > max_elements:
        raise Unreadable(TOO_COMPLEX, encoding=JSON)
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # a code sent as a number: its text (leading zeros are the sender's loss)
    if isinstance(value, dict):
        if not all(map(_NAME.fullmatch, value)):
            raise Unreadable(NOT_XMLMSG, "JSON の項目名が電文の要素名ではありません", JSON)
        return {key: _json_value(item, depth + 1, counter, max_elements)
                for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_json_value(item, depth + 1, counter, max_elements) for item in value if item is not None]
    raise Unreadable(NOT_XMLMSG, "JSON の値は文字列・オブジェクト・配列で指定してください", JSON)


# ---------------------------------------------------------------- writing

def encode(tree: dict, encoding: str) -> tuple[bytes, str]:
    """The message `tree` (the content of `XmlMsg`) as bytes and their media type, in
    `encoding`; its header's CharacterCodeIdentifier says which. Elements without a value
    (None, empty text, empty list or dict) are left out."""
    tree = _with_character_code(tree, encoding)
    if encoding == JSON:
        return orjson.dumps({ROOT: _pruned(tree) or {}}), JSON_MEDIA_TYPE
    text = f'<?xml version="1.0" encoding="{encoding}"?>' + (_xml(ROOT, tree) or f"<{ROOT}/>")
    if encoding == SHIFT_JIS:
        return text.encode("cp932", errors="oqs_geta"), "application/xml; charset=Shift_JIS"
    return text.encode("utf-8"), "application/xml; charset=UTF-8"


def _with_character_code(tree: dict, encoding: str) -> dict:
    """The answer's header with its CharacterCodeIdentifier (a request has none)."""
    header = tree.get("MessageHeader")
    if not isinstance(header, dict) or "CharacterCodeIdentifier" not in header:
        return tree
    return {**tree, "MessageHeader": {**header, "CharacterCodeIdentifier": _CHARACTER_CODES[encoding]}}


def _pruned(value):
    if isinstance(value, dict):
        kept = {key: _pruned(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if item is not None} or None
    if isinstance(value, list):
        return [item for item in map(_pruned, value) if item is not None] or None
    if value is None or value == "":
        return None
    return str(value)


@lru_cache(maxsize=4096)
def _is_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


def _xml(name: str, value) -> str:
    """The element, or "" when it has no value (nor any of its children)."""
    if not _is_name(name):
        return ""  # never an element that is not one
    if value.__class__ is str:  # most elements: a text
        return f"<{name}>{_text(value)}</{name}>" if value else ""
    if isinstance(value, dict):
        inner = "".join([_xml(key, item) for key, item in value.items() if item is not None])
        return f"<{name}>{inner}</{name}>" if inner else ""
    if isinstance(value, list):
        if name not in CONTAINERS or all(item.__class__ is list for item in value):  # a repeated container too
            return "".join([_xml(name, item) for item in value])
        item_name = CONTAINERS[name]
        inner = "".join([_xml(item_name, item) if item_name else _children(item) for item in value])
        return f"<{name}>{inner}</{name}>" if inner else ""
    return "" if value is None else f"<{name}>{_text(str(value))}</{name}>"


def _children(item) -> str:
    return "".join([_xml(key, value) for key, value in item.items()]) if isinstance(item, dict) else ""


def _text(value: str) -> str:
    if _TO_ESCAPE.search(value) is None:  # the usual text: digits, names, kana
        return value
    return _NOT_XML.sub(GETA, value).translate(_ESCAPES)
