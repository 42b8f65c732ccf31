"""Cross-document resolution on hand-made mentions of invented people and organisations."""

from __future__ import annotations

import re

import pytest

from storylens.model import CorpusAnalysis, DocAnalysis, Document, Entity, Mention, Span, stable_id
from storylens.pipeline import Context
from storylens.stages import resolve


def analysis(doc_id: str, text: str, names: list[tuple[str, str]], canonical: dict[str, str] | None = None,
             roles: dict[str, str] | None = None) -> DocAnalysis:
    """A document whose mentions are the first occurrence of each (name, label) in the text."""
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=text, body_spans=(Span(0, len(text)),))
    mentions = []
    for name, label in names:
        for match in re.finditer(re.escape(name), text):
            if any(m.span.start <= match.start() < m.span.end for m in mentions):
                continue
            mentions.append(Mention(doc_id, Span(match.start(), match.end()), name, label,
                                    role=(roles or {}).get(name), canonical=(canonical or {}).get(name)))
    mentions.sort(key=lambda m: m.span)
    return DocAnalysis(document=document, mentions=tuple(mentions))


def entities_of(*docs: DocAnalysis) -> tuple[CorpusAnalysis, tuple[Entity, ...]]:
    corpus = resolve.run(CorpusAnalysis(docs=docs), Context())
    return corpus, corpus.entities


def entity_named(entities: tuple[Entity, ...], alias: str) -> Entity:
    found = [e for e in entities if alias in e.aliases]
    assert len(found) == 1, f"{alias} is in {len(found)} entities"
    return found[0]


MINISTER = ("Finance minister Omar Haddad presented the budget in Port Selin with the Treasury Board.",
            [("Omar Haddad", "PERSON"), ("Port Selin", "GPE"), ("Treasury Board", "ORG")])
FOOTBALLER = ("Striker Omar Haddadi scored twice for Riverside United against Northgate Rovers.",
              [("Omar Haddadi", "PERSON"), ("Riverside United", "ORG"), ("Northgate Rovers", "ORG")])


def test_look_alikes_in_different_contexts_stay_apart() -> None:
    _, entities = entities_of(analysis("a", *MINISTER), analysis("b", *FOOTBALLER))
    assert entity_named(entities, "Omar Haddad") is not entity_named(entities, "Omar Haddadi")


def test_different_consonants_stay_apart_even_in_one_story() -> None:
    text = "Ali Karimi and Ali Kazemi met the Harbour Council in Port Selin."
    names = [("Ali Karimi", "PERSON"), ("Ali Kazemi", "PERSON"), ("Harbour Council", "ORG"), ("Port Selin", "GPE")]
    other = "Ali Kazemi later told the Harbour Council in Port Selin that Ali Karimi had left."
    _, entities = entities_of(analysis("a", text, names), analysis("b", other, names))
    assert entity_named(entities, "Ali Karimi") is not entity_named(entities, "Ali Kazemi")


@pytest.mark.parametrize(("first", "second"), [
    ("Khalil Darwish", "Khaleel Darweesh"),
    ("Nabil Hassouna", "Nabil Hasuna"),
    ("Samir Qasimi", "Samir Kasimi"),
    ("Mousa Abu Ramzi", "Musa Abu Ramzi"),
])
def test_romanisation_variants_merge_with_evidence(first: str, second: str) -> None:
    a = analysis("a", f"{first} spoke in Port Selin.", [(first, "PERSON"), ("Port Selin", "GPE")])
    b = analysis("b", f"{second} spoke again.", [(second, "PERSON")])
    _, entities = entities_of(a, b)
    entity = entity_named(entities, first)
    assert second in entity.aliases
    assert any("score" in m and first in m and second in m for m in entity.merges)
    assert {ref.doc for ref in entity.mentions} == {"a", "b"}


NADIA = [("Nadia Salem", "PERSON"), ("Harbour Council", "ORG")]


def test_lone_surname_joins_the_one_person_who_bears_it() -> None:
    a = analysis("a", "Nadia Salem chaired the Harbour Council.", NADIA)
    b = analysis("b", "Salem said the Harbour Council would vote.", [("Salem", "PERSON"), ("Harbour Council", "ORG")])
    _, entities = entities_of(a, b)
    assert "Salem" in entity_named(entities, "Nadia Salem").aliases


def test_lone_surname_shared_by_two_people_goes_by_context() -> None:
    a = analysis("a", "Nadia Salem chaired the Harbour Council.", NADIA)
    b = analysis("b", "Karim Salem coached Riverside United.", [("Karim Salem", "PERSON"), ("Riverside United", "ORG")])
    c = analysis("c", "Salem praised Riverside United.", [("Salem", "PERSON"), ("Riverside United", "ORG")])
    _, entities = entities_of(a, b, c)
    assert "Salem" in entity_named(entities, "Karim Salem").aliases
    assert "Salem" not in entity_named(entities, "Nadia Salem").aliases


def test_acronym_joins_its_expansion_and_labels_are_voted() -> None:
    a = analysis("a", "The Northern Coast Relief Agency sent boats.", [("Northern Coast Relief Agency", "ORG")])
    b = analysis("b", "NCRA boats arrived; NCRA said more would come.", [("NCRA", "ORG")])
    c = analysis("c", "Officials of NCRA spoke.", [("NCRA", "PERSON")])  # an NER error, outvoted
    _, entities = entities_of(a, b, c)
    entity = entity_named(entities, "NCRA")
    assert entity.name == "Northern Coast Relief Agency" and entity.type == "ORG"
    assert len(entity.mentions) == 4


def test_arabic_script_mention_joins_through_its_canonical_form() -> None:
    text = "Khalil Darwish spoke.\nخليل درويش"
    a = analysis("a", text, [("Khalil Darwish", "PERSON"), ("خليل درويش", "PERSON")],
                 canonical={"خليل درويش": "Khalil Darwish"})
    _, entities = entities_of(a)
    entity = entity_named(entities, "خليل درويش")
    assert entity.name == "Khalil Darwish"
    assert any("transliteration" in m for m in entity.merges)


def test_canonical_titles_ids_and_links() -> None:
    a = analysis("a", "Sheikh Karim Nassar arrived. Nassar spoke.", [("Karim Nassar", "PERSON"), ("Nassar", "PERSON")],
                 canonical={"Nassar": "Karim Nassar"}, roles={"Karim Nassar": "Sheikh"})
    corpus, entities = entities_of(a)
    entity = entity_named(entities, "Nassar")
    assert entity.name == "Karim Nassar"
    assert "Sheikh Karim Nassar" in entity.aliases  # the titled form, as written
    assert entity.roles == ("sheikh",)
    assert entity.id == stable_id("PERSON", "Karim Nassar")
    assert all(m.entity == entity.id for m in corpus.docs[0].mentions)
    text = corpus.docs[0].document.text
    for ref in entity.mentions:
        assert text[ref.span.start:ref.span.end] in entity.aliases
    again = resolve.resolve_entities(corpus.docs)
    assert [e.id for e in again] == [e.id for e in entities]
