"""The joiner of a print run: streams reportlab PDFs (the parts, in order) into one file. Each
part's objects are copied with their references renumbered, and its pages hung under one
intermediate page-tree node, itself a kid of the file's page tree (a balanced tree of two
levels). Per object only its offset is kept (8 bytes, for the cross-reference table), so memory
stays flat for any run."""
from __future__ import annotations

import re
from array import array
from typing import BinaryIO, Iterator

_OBJECT = re.compile(rb"(\d+) 0 obj\r?\n")
_REFERENCE = re.compile(rb"(\d+) 0 R\b")
_LENGTH = re.compile(rb"/Length (\d+)")


class Joiner:
    """Writes one PDF into `out` from the parts given to `add`, their pages in the order given;
    `finish` ends the file. A file without parts gets one blank page of size `blank` (points),
    as PDF readers want a page."""

    CATALOG, PAGES = 1, 2  # object numbers of the new catalog and page tree

    def __init__(self, out: BinaryIO, blank: tuple[float, float]):
        self.out, self.position, self.blank = out, 0, blank
        self.offsets = array("Q", [0, 0, 0])  # by object number; 0 is the free head
        self.nodes: list[tuple[int, int]] = []  # (page-tree node, its page count) per part
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.position += len(data)

    def _number(self) -> int:
        self.offsets.append(0)
        return len(self.offsets) - 1

    def _object(self, number: int, body: bytes) -> None:
        self.offsets[number] = self.position
        self._write(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    def add(self, data: bytes) -> None:
        """Appends the pages of a part (a whole reportlab PDF); a part that cannot be read raises
        before anything of it is written."""
        objects = dict(_objects(data))
        trailer = data[data.rindex(b"trailer"):]
        root = int(re.search(rb"/Root (\d+) 0 R", trailer).group(1))
        info = re.search(rb"/Info (\d+) 0 R", trailer)
        pages_root = int(re.search(rb"/Pages (\d+) 0 R", objects[root][0]).group(1))
        tree, leaves = _page_tree(objects, pages_root)
        skip = {root, *tree} | ({int(info.group(1))} if info else set())
        node = self._number()
        numbers = {old: self._number() for old in objects if old not in skip}
        self._copy(objects, numbers, node)
        kids = b" ".join(b"%d 0 R" % numbers[leaf] for leaf in leaves)
        self._object(node, b"<< /Type /Pages /Parent %d 0 R /Count %d /Kids [ %s ] >>"
                     % (self.PAGES, len(leaves), kids))
        self.nodes.append((node, len(leaves)))

    def _copy(self, objects: dict, numbers: dict[int, int], node: int) -> None:
        """Writes the objects of `numbers` under their new numbers; references to the part's
        page tree (the pages' /Parent) go to its new node."""
        def renumber(reference: re.Match) -> bytes:
            return b"%d 0 R" % numbers.get(int(reference.group(1)), node)

        for old, new in numbers.items():
            dictionary, stream = objects[old]
            self.offsets[new] = self.position
            self._write(b"%d 0 obj\n" % new + _REFERENCE.sub(renumber, dictionary))
            if stream is not None:
                self._write(b"stream\n" + stream + b"\nendstream\n")
            self._write(b"endobj\n")

    def finish(self) -> None:
        """Writes the page tree, the catalog, the cross-reference table and the trailer."""
        if not self.nodes:
            blank = self._number()
            self._object(blank, b"<< /Type /Page /Parent %d 0 R /MediaBox [ 0 0 %.4f %.4f ] >>"
                         % (self.PAGES, *self.blank))
            self.nodes.append((blank, 1))
        kids = b" ".join(b"%d 0 R" % node for node, _count in self.nodes)
        self._object(self.PAGES, b"<< /Type /Pages /Count %d /Kids [ %s ] >>"
                     % (sum(count for _node, count in self.nodes), kids))
        self._object(self.CATALOG, b"<< /Type /Catalog /Pages %d 0 R >>" % self.PAGES)
        xref, size = self.position, len(self.offsets)
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for start in range(1, size, 10_000):
            self._write(b"".join(b"%010d 00000 n \n" % offset
                                 for offset in self.offsets[start:start + 10_000]))
        self._write(b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
                    % (size, self.CATALOG, xref))


def _page_tree(objects: dict, node: int) -> tuple[list[int], list[int]]:
    """(page tree nodes, pages in order) under `node`."""
    kids = [int(k) for k in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[(.*?)\]", objects[node][0],
                                                                 re.S).group(1))]
    nodes, leaves = [node], []
    for kid in kids:
        if re.search(rb"/Type /Pages\b", objects[kid][0]):
            sub_nodes, sub_leaves = _page_tree(objects, kid)
            nodes += sub_nodes
            leaves += sub_leaves
        else:
            leaves.append(kid)
    return nodes, leaves


def _objects(data: bytes) -> Iterator[tuple[int, tuple[bytes, bytes | None]]]:
    """(number, (dictionary, stream or None)) of every object of a reportlab PDF."""
    position = 0
    while match := _OBJECT.search(data, position):
        start = match.end()
        end = data.index(b"endobj", start)
        stream_at = data.find(b"stream", start, end)
        if stream_at == -1:
            yield int(match.group(1)), (data[start:end], None)
            position = end + 6
            continue
        dictionary = data[start:stream_at]
        length = int(_LENGTH.search(dictionary).group(1))
        body = stream_at + len(b"stream")
        body += 2 if data[body:body + 2] == b"\r\n" else 1
        yield int(match.group(1)), (dictionary, data[body:body + length])
        position = data.index(b"endobj", body + length) + 6
