"""The story brief: what a reader needs about one story, computed from the stored records.

Timeline of merged events, who said what (quote groups, speakers, conflicts), the copy graph with
the number of independent sources, how each outlet labels each actor, whom each outlet cites, and
what each outlet reports that no other does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from storylens.model import CorpusAnalysis, DocAnalysis, Story
from storylens.stages.reuse.sources import independent_sources


def outlet_of(analysis: DocAnalysis) -> str:
    doc = analysis.document
    return doc.outlet or doc.path.replace("\\", "/").rsplit("/", 1)[-1]


def story_brief(story: Story, corpus: CorpusAnalysis) -> dict[str, Any]:
    docs = {d.document.id: d for d in corpus.docs if d.document.id in set(story.documents)}
    members = set(docs)
    entities = {e.id: e for e in corpus.entities}

    def name(entity_id: str | None) -> str | None:
        return entities[entity_id].name if entity_id in entities else entity_id

    events = {e.id: (d, e) for d in docs.values() for e in d.events}
    timeline = []
    for group in corpus.event_groups:
        members_here = [events[i] for i in group.events if i in events]
        if not members_here:
            continue
        timeline.append({
            "id": group.id, "date": group.date, "summary": group.summary, "conflicts": list(group.conflicts),
            "sources": sorted({outlet_of(d) for d, _ in members_here}),
            "events": [{"id": e.id, "doc": e.doc, "span": e.span.as_list(), "type": e.type, "mode": e.mode,
                        "actor": name(e.actor), "target": name(e.target), "place": name(e.place)}
                       for _, e in members_here],
        })
    timeline.sort(key=lambda item: (item["date"] or "9999", item["summary"]))

    quotes = {q.id: (d, q) for d in docs.values() for q in d.quotes}
    said = []
    grouped: set[str] = set()
    for qgroup in corpus.quote_groups:
        quoted = [quotes[i] for i in qgroup.quotes if i in quotes]
        if not quoted:
            continue
        grouped.update(q.id for _, q in quoted)
        said.append({
            "id": qgroup.id, "relation": qgroup.relation, "conflict": qgroup.conflict,
            "independent_sources": qgroup.independent_sources,
            "speakers": [name(s) or s for s in qgroup.speakers],
            "quotes": [_quote_item(d, q, name) for d, q in quoted],
        })
    singles = [{"id": None, "relation": "single", "conflict": None, "independent_sources": 1,
                "speakers": [name(q.speaker.entity) or q.speaker.text] if q.speaker else [],
                "quotes": [_quote_item(d, q, name)]}
               for d, q in quotes.values() if q.id not in grouped and q.kind != "indirect"]
    said.sort(key=lambda g: (g["conflict"] is None, -len(g["quotes"]) if isinstance(g["quotes"], list) else 0))

    copies = [{"a": r.a, "b": r.b, "kind": r.kind, "similarity": round(r.similarity, 3), "direction": r.direction,
               "evidence": list(r.evidence)} for r in corpus.reuse if r.a in members and r.b in members]

    framing: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for d in docs.values():
        for f in d.framing:
            actor = name(f.entity) or f.target_span.slice(d.document.text)
            labels = framing[actor][outlet_of(d)]
            if f.label not in labels:
                labels.append(f.label)
    citations: dict[str, list[str]] = defaultdict(list)
    for d in docs.values():
        for c in d.citations:
            if c.cited not in citations[outlet_of(d)]:
                citations[outlet_of(d)].append(c.cited)

    return {
        "id": story.id, "title": story.title, "start": story.start, "end": story.end,
        "documents": [{"id": i, "outlet": outlet_of(docs[i]), "title": docs[i].document.title,
                       "published": docs[i].document.published} for i in story.documents if i in docs],
        "related": list(story.related),
        "independent_sources": independent_sources(members, corpus.reuse),
        "timeline": timeline,
        "quotes": said + singles,
        "conflicts": [g for g in said if g["conflict"]] + [t for t in timeline if t["conflicts"]],
        "copies": copies,
        "framing": {actor: dict(by_outlet) for actor, by_outlet in sorted(framing.items())},
        "citations": dict(sorted(citations.items())),
        "coverage": coverage_difference(docs, corpus),
    }


def _quote_item(d: DocAnalysis, q: Any, name: Any) -> dict[str, Any]:
    speaker = q.speaker
    return {"id": q.id, "doc": q.doc, "outlet": outlet_of(d), "span": q.span.as_list(), "text": q.text,
            "speaker": (name(speaker.entity) or speaker.text) if speaker else None,
            "speaker_as_written": speaker.text if speaker else None, "attribution": q.attribution,
            "cue": q.cue}


def coverage_difference(docs: dict[str, DocAnalysis], corpus: CorpusAnalysis) -> dict[str, dict[str, Any]]:
    """Per outlet: events and quotes it reports that no other outlet of the story does, and what it lacks."""
    outlets: dict[str, list[DocAnalysis]] = defaultdict(list)
    for d in docs.values():
        outlets[outlet_of(d)].append(d)
    event_outlets: dict[str, set[str]] = {}
    for group in corpus.event_groups:
        reporters = {outlet_of(docs[e.doc]) for d in docs.values() for e in d.events if e.id in group.events
                     and e.doc in docs}
        if reporters:
            event_outlets[group.summary] = reporters
    quote_outlets: dict[str, set[str]] = {}
    for qgroup in corpus.quote_groups:
        reporters = {outlet_of(d) for d in docs.values() for q in d.quotes if q.id in qgroup.quotes}
        texts = [q.text for d in docs.values() for q in d.quotes if q.id in qgroup.quotes]
        if reporters and texts:
            quote_outlets[texts[0][:120]] = reporters
    grouped_quotes = {i for g in corpus.quote_groups for i in g.quotes}
    result = {}
    for outlet, its_docs in sorted(outlets.items()):
        only_events = sorted(s for s, r in event_outlets.items() if r == {outlet})
        missing_events = sorted(s for s, r in event_outlets.items() if outlet not in r and len(r) >= 2)
        only_quotes = sorted(t for t, r in quote_outlets.items() if r == {outlet})
        only_quotes += [q.text[:120] for d in its_docs for q in d.quotes
                        if q.id not in grouped_quotes and q.kind != "indirect"]
        result[outlet] = {"only_here": {"events": only_events, "quotes": only_quotes},
                          "left_out": {"events": missing_events,
                                       "quotes": sorted(t for t, r in quote_outlets.items()
                                                        if outlet not in r and len(r) >= 2)}}
    return result


def briefs(corpus: CorpusAnalysis) -> list[dict[str, Any]]:
    return [story_brief(story, corpus) for story in corpus.stories]
