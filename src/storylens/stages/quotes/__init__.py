"""The `quotes` document stage: direct, partial and indirect quotes with speaker, cue and channel.

Reads the body parse (`ctx.parse`) and the entity mentions (or the parse's entities when the
entities stage has not run); returns the analysis with `quotes` filled. See extract.py for the rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from storylens.model import DocAnalysis, Mention, Span
from storylens.stages.quotes.extract import extract_quotes

if TYPE_CHECKING:
    from spacy.tokens import Doc

    from storylens.pipeline import Context

__all__ = ["extract_quotes", "mentions_from_parse", "run"]


def mentions_from_parse(doc_id: str, parsed: Doc) -> tuple[Mention, ...]:
    """Mentions read off the parse's named entities: the fallback when no entities stage ran."""
    return tuple(Mention(doc_id, Span(ent.start_char, ent.end_char), ent.text, ent.label_) for ent in parsed.ents
                 if ent.text.strip())


def run(analysis: DocAnalysis, ctx: Context) -> DocAnalysis:
    document = analysis.document
    if not document.body_spans:
        return replace(analysis, quotes=())
    parsed = ctx.parse(document)
    mentions = analysis.mentions or mentions_from_parse(document.id, parsed)
    return replace(analysis, quotes=tuple(extract_quotes(document, parsed, mentions)))
