"""Reading the text of untrusted XML with expat: no entity declarations, no external resources,
a size cap, and streaming (nothing but the text is kept in memory).

A document type declaration alone is accepted (many SVG files carry one); declaring an entity is
refused, which rules out "billion laughs" expansions and external entity reads, as defusedxml does.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import BinaryIO
from xml.parsers import expat

from search.extraction.limits import Budget, ExtractionError, TextCollector

CHUNK = 256 * 1024


class _Forbidden(Exception):
    pass


def _forbid(*_args):
    raise _Forbidden()


def collect_text(
    stream: BinaryIO,
    budget: Budget,
    collector: TextCollector,
    *,
    max_bytes: int,
    text_in: Callable[[list[str]], bool],
    breaks_after: Iterable[str] = (),
    replacements: dict[str, str] | None = None,
    attributes: dict[str, str] | None = None,
    what: str = "le fichier XML",
) -> None:
    """Feed `stream` to expat and add character data to `collector`.

    Element names are local names (namespaces dropped). `text_in(stack)` says whether character data
    under the current element stack is kept; elements in `breaks_after` end a line; elements in
    `replacements` stand for a text of their own (ODF's <text:tab/> is a tab); `attributes` maps
    an element to the attribute whose value is text (a sheet's name).
    """
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    stack: list[str] = []
    breaks = set(breaks_after)
    replacements = replacements or {}
    attributes = attributes or {}
    keep = [False]

    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1]

    def start(name, element_attributes):
        name = local(name)
        stack.append(name)
        keep[0] = text_in(stack)
        if name in replacements and keep[0]:
            collector.add(replacements[name])
        if name in attributes:
            wanted = attributes[name]
            for key, value in element_attributes.items():
                if local(key) == wanted:
                    collector.add(value + "\n")

    def end(name):
        name = local(name)
        if stack:
            stack.pop()
        keep[0] = text_in(stack)
        if name in breaks and collector.parts and collector.parts[-1] != "\n":
            collector.add("\n")

    def data(text):
        if keep[0]:
            collector.add(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    read = 0
    try:
        while True:
            chunk = stream.read(CHUNK)
            read += len(chunk)
            if read > max_bytes:
                raise ExtractionError(f"{what[:1].upper()}{what[1:]} dépasse la taille autorisée pour l'extraction.")
            budget.check_time(f"la lecture de {what}")
            parser.Parse(chunk, not chunk)
            if not chunk or collector.full:
                break
    except _Forbidden:
        raise ExtractionError(f"{what[:1].upper()}{what[1:]} déclare des entités XML : refusé par sécurité.") from None
    except expat.ExpatError as error:
        raise ExtractionError(f"{what[:1].upper()}{what[1:]} n'est pas un XML valide ({expat.ErrorString(error.code)}).") from None
