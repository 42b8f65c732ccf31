"""Cross-document resolution on hand-made mentions of invented people and organisations."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import pytest

from storylens.model import CorpusAnalysis, DocAnalysis, Document, Entity, MappedDocs, Mention, Span, stable_id
from storylens.names import acronym_of, initials, person_parts, similarity, skeleton
from storylens.pipeline import Context, link
from storylens.stages import resolve


def analysis(doc_id: str, text: str, names: list[tuple[str, str]], canonical: dict[str, str] | None = None,
             roles: dict[str, str] | None = None) -> DocAnalysis:
    """A document whose mentions are the first occurrence of each (name, label) in the text."""
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=text, body_spans=(Span(0, len(text)),))
    mentions: list[Mention] = []
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


def test_resolve_streams_once_and_link_is_lazy_with_the_eager_result() -> None:
    """Over a lazy sequence (as the store gives), resolve reads each document once and `link`
    links a document only when it is read; the documents equal those of linking a tuple."""
    docs = (analysis("a", "Sheikh Karim Nassar arrived in Port Selin. Nassar spoke.",
                     [("Karim Nassar", "PERSON"), ("Port Selin", "GPE"), ("Nassar", "PERSON")],
                     canonical={"Nassar": "Karim Nassar"}, roles={"Karim Nassar": "Sheikh"}),
            analysis("b", "Karim Nassar left Port Selin for the Treasury Board.",
                     [("Karim Nassar", "PERSON"), ("Port Selin", "GPE"), ("Treasury Board", "ORG")]))
    reads: list[str] = []

    def read(doc: DocAnalysis) -> DocAnalysis:
        reads.append(doc.document.id)
        return doc

    eager = resolve.run(CorpusAnalysis(docs=docs), Context())
    lazy = resolve.run(CorpusAnalysis(docs=MappedDocs(docs, read)), Context())
    assert reads == ["a", "b"]  # one pass, and linking read nothing yet
    assert isinstance(lazy.docs, MappedDocs) and not isinstance(lazy.docs, tuple)
    assert isinstance(eager.docs, tuple) and lazy.entities == eager.entities
    reads.clear()
    assert lazy.docs[1] == eager.docs[1] and reads == ["b"]
    assert tuple(lazy.docs) == eager.docs != docs  # the mentions now carry entity ids
    assert all(m.entity for d in lazy.docs for m in d.mentions)
    assert link(lazy) is not lazy and tuple(link(lazy).docs) == eager.docs  # linking again changes nothing
    # One pass is all resolve needs: a generator gives the same entities.
    assert resolve.resolve_entities(d for d in docs) == eager.entities


# ------------------------------------------------------------------------------------------ blocking
# The merges compare only names that share a blocking key. The reference below is the all-pairs
# version the blocking replaced, kept here only to prove that the entities are the same.


def _reference_merge_acronyms(groups: list[resolve._Group], merges: resolve._Merges) -> None:
    long_names = [(i, g) for i, g in enumerate(groups) if len(g.full.split()) >= 2 and g.label != "PERSON"]
    for i, group in enumerate(groups):
        letters = re.sub(r"[.\s]", "", group.full)
        if not (2 <= len(letters) <= 10 and letters.isupper() and letters.isalpha()):
            continue
        for j, other in long_names:
            if other.label == group.label and acronym_of(letters, other.full):
                merges.union(j, i, f"'{other.full}' ~ '{group.full}': acronym of its initials (score 0.95)")
                break


def _reference_merge_people(groups: list[resolve._Group], merges: resolve._Merges) -> None:
    people = [(i, g, *person_parts(g.full)) for i, g in enumerate(groups) if g.label == "PERSON"]
    full = [(i, g, given, surname) for i, g, given, surname in people if given]
    for n, (i, a, given_a, surname_a) in enumerate(full):
        for j, b, given_b, surname_b in full[n + 1:]:
            if merges.find(i) == merges.find(j):
                continue
            given = resolve._given_agreement(given_a, given_b)
            if given < resolve.GIVEN_MIN:
                continue
            if surname_a == surname_b:
                score = 0.6 + 0.4 * given
                merges.union(i, j, f"'{a.full}' ~ '{b.full}': same surname key '{surname_a}', "
                                   f"given names agree {given:.2f} (score {score:.2f})")
                continue
            surname = similarity(surname_a, surname_b)
            if surname < resolve.SURNAME_FUZZY_MIN or skeleton(a.full) != skeleton(b.full):
                continue
            context = resolve._context_overlap(a, b)
            if context >= resolve.CONTEXT_MIN or (a.roles & b.roles):
                score = 0.5 * surname + 0.25 * given + 0.25 * min(1.0, context + (0.5 if a.roles & b.roles else 0))
                merges.union(i, j, f"'{a.full}' ~ '{b.full}': surnames {surname:.2f} alike with the same "
                                   f"consonants, shared context {context:.2f} (score {score:.2f})")
    for i, lone, lone_given, lone_surname in people:
        if lone_given:
            continue
        bearers: dict[int, list[resolve._Group]] = {}
        for j, g, _, s in full:
            if s == lone_surname:
                bearers.setdefault(merges.find(j), []).append(g)
        if not bearers:
            continue
        if len(bearers) == 1:
            root = next(iter(bearers))
            merges.union(root, i, f"'{bearers[root][0].full}' ~ '{lone.full}': the one person with "
                                  f"surname key '{lone_surname}' (score 0.90)")
            continue
        ranked = sorted(((max(resolve._context_overlap(lone, g) for g in members), root)
                         for root, members in bearers.items()), reverse=True)
        if ranked[0][0] > ranked[1][0]:
            overlap, root = ranked[0]
            score = 0.5 + overlap / 2
            merges.union(root, i, f"'{bearers[root][0].full}' ~ '{lone.full}': surname shared by "
                                  f"{len(bearers)} people, most shared context {overlap:.2f} (score {score:.2f})")


# Invented look-alikes: surnames differing by a doubled letter or a romanisation rule (same key),
# by a vowel class (same consonants, another key), or by a consonant (another person).
GIVEN = ["Tarik", "Tareq", "Leila", "Layla", "Anwar", "Yusra", "Dalia", "Idris"]
SURNAMES = ["Qandil", "Kandil", "Qandeel", "Sabri", "Sabry", "Sobri", "Mansur", "Mansour", "Rahal", "Rahhal",
            "Rahel", "Tawfiq", "Taufik", "Nuwar", "Nawar", "Fadel", "Fadil", "Fodel", "Zidane", "Zeidan"]
ORGANISATIONS = ["Coastal Water Board", "Central Water Board", "Union of Olive Growers", "Red Dune Society"]
ROLES = ["Minister", "General", None]


def generated_corpus(seed: int, size: int) -> tuple[DocAnalysis, ...]:
    """`size` documents naming people drawn from the look-alike pools above, with lone surnames,
    roles, acronyms and shared context, so that every kind of merge (and non-merge) happens."""
    rng = random.Random(seed)
    docs = []
    for n in range(size):
        names: list[tuple[str, str]] = []
        roles: dict[str, str] = {}
        for _ in range(rng.randint(1, 3)):
            person = f"{rng.choice(GIVEN)} {rng.choice(SURNAMES)}" if rng.random() < 0.8 else rng.choice(SURNAMES)
            names.append((person, "PERSON"))
            if (role := rng.choice(ROLES)) is not None:
                roles[person] = role
        organisation = rng.choice(ORGANISATIONS)
        names.append((organisation if rng.random() < 0.6 else initials(organisation), "ORG"))
        text = ". ".join(name for name, _ in names) + "."
        docs.append(analysis(f"g{n}", text, names, roles=roles))
    return tuple(docs)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_blocked_merges_give_the_entities_of_the_all_pairs_reference(seed: int,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    docs = generated_corpus(seed, 300)
    blocked = resolve.resolve_entities(docs)
    monkeypatch.setattr(resolve, "_merge_acronyms", _reference_merge_acronyms)
    monkeypatch.setattr(resolve, "_merge_people", _reference_merge_people)
    reference = resolve.resolve_entities(docs)
    assert blocked == reference
    assert any("acronym" in m for e in blocked for m in e.merges)
    assert any("same consonants" in m for e in blocked for m in e.merges)
    assert any("surname shared by" in m for e in blocked for m in e.merges)


CONSONANTS = "bdfgklmnprstvz"  # none of them rewritten by rules/entity_names.json


def invented_name(number: int) -> str:
    """A name word whose consonants spell `number`: distinct numbers, distinct keys and skeletons."""
    word = ""
    while True:
        number, digit = divmod(number, len(CONSONANTS))
        word += CONSONANTS[digit] + "a"
        if number == 0:
            return word.capitalize() + "n"


def invented_organisation(number: int) -> str:
    """Four words whose initials spell `number`, alternating two sets of consonants so that no
    letter is doubled (a doubled letter is one letter in a name key): distinct acronyms up to 2,401."""
    sets = ("BDFGKLM", "NPRSTVZ")
    letters = [sets[k % 2][number // 7 ** k % 7] for k in range(4)]
    return " ".join(f"{letter}orvath" for letter in letters)


def comparisons(monkeypatch: pytest.MonkeyPatch, people: int) -> int:
    """Name comparisons made for `people` unrelated people, each written two ways in two documents,
    with an organisation and its acronym."""
    calls = 0

    def counted(compare: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any) -> Any:
            nonlocal calls
            calls += 1
            return compare(*args)
        return wrapper

    monkeypatch.setattr(resolve, "_given_agreement", counted(resolve._given_agreement))
    monkeypatch.setattr(resolve, "acronym_of", counted(acronym_of))
    docs = []
    for n in range(people):
        surname, organisation = invented_name(n), invented_organisation(n)
        docs.append(analysis(f"a{n}", f"Sami {surname} led the {organisation}.",
                             [(f"Sami {surname}", "PERSON"), (organisation, "ORG")]))
        acronym = initials(organisation)
        docs.append(analysis(f"b{n}", f"Sami Adel {surname} spoke for {acronym}.",
                             [(f"Sami Adel {surname}", "PERSON"), (acronym, "ORG")]))
    entities = resolve.resolve_entities(docs)
    assert len(entities) == 2 * people  # one person and one organisation each, both spellings merged
    monkeypatch.undo()
    return calls


def test_name_comparisons_grow_linearly(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = comparisons(monkeypatch, 50), comparisons(monkeypatch, 400)
    # 8 times the people: all pairs would make about 64 times the comparisons.
    assert large <= 10 * small
