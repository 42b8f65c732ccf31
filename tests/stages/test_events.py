"""The events stage on invented sentences: type, mode, actor, target, place, date and quote link."""

from __future__ import annotations

import pytest

from storylens.model import DateRange, DocAnalysis, Document, Mention, Quote, Span, Speaker, TimeExpression
from storylens.pipeline import Context
from storylens.stages import events
from storylens.stages.eventx import extract
from storylens.stages.eventx.lexicon import PLOVER_TYPES, load


@pytest.fixture(scope="module")
def ctx() -> Context:
    return Context()


def _mentions(doc_id: str, text: str, names: dict[str, str]) -> tuple[Mention, ...]:
    out = []
    for name, label in names.items():
        start = text.index(name)
        out.append(Mention(doc_id, Span(start, start + len(name)), name, label))
    return tuple(out)


def _analyze(ctx: Context, text: str, names: dict[str, str] | None = None,
             times: dict[str, str] | None = None, quotes: tuple[Quote, ...] = (),
             inferred: DateRange | None = None) -> DocAnalysis:
    doc_id = f"doc-{abs(hash(text))}"
    document = Document(id=doc_id, path=f"{doc_id}.txt", text=text, body_spans=(Span(0, len(text)),),
                        published_inferred=inferred)
    time_records = []
    for n, (phrase, value) in enumerate((times or {}).items()):
        start = text.index(phrase)
        time_records.append(TimeExpression(f"t{n}", doc_id, Span(start, start + len(phrase)), phrase, "DATE", value,
                                           "day", "relative-to-publication"))
    analysis = DocAnalysis(document, mentions=_mentions(doc_id, text, names or {}), times=tuple(time_records),
                           quotes=quotes)
    return events.run(analysis, ctx)


def _slice(text: str, span: Span | None) -> str | None:
    return None if span is None else text[span.start:span.end]


CASES = [
    # text, names, expected (trigger, type, mode, actor, target, place)
    ("The Velorian Workers Party congratulated the Zandar Front on its victory in the vote.",
     {"Velorian Workers Party": "ORG", "Zandar Front": "ORG"},
     ("congratulated", "SUPPORT", None, "Velorian Workers Party", "Zandar Front", None)),
    ("Mayor Ana Korvel praised Milo Tarsk for his work.",
     {"Ana Korvel": "PERSON", "Milo Tarsk": "PERSON"},
     ("praised", "SUPPORT", None, "Ana Korvel", "Milo Tarsk", None)),
    ("Prime Minister Ana Korvel held a telephone conversation with President Milo Tarsk.",
     {"Ana Korvel": "PERSON", "Milo Tarsk": "PERSON"},
     ("telephone conversation", "CONSULT", "phone", "Ana Korvel", "Milo Tarsk", None)),
    ("Foreign Minister Lisa Brandt met Omar Kell in Veldon on Monday.",
     {"Lisa Brandt": "PERSON", "Omar Kell": "PERSON", "Veldon": "GPE"},
     ("met", "CONSULT", "meeting", "Lisa Brandt", "Omar Kell", "Veldon")),
    ("The group released photos of a meeting between Omar Kell and a Brevian delegation that took place in Sarnow.",
     {"Omar Kell": "PERSON", "Brevian": "NORP", "Sarnow": "GPE"},
     ("meeting", "CONSULT", "meeting", "Omar Kell", "Brevian", "Sarnow")),
    ("Governor Ilse Marr hosted a delegation from Tarvia.",
     {"Ilse Marr": "PERSON", "Tarvia": "GPE"},
     ("hosted", "CONSULT", "host", "Ilse Marr", None, None)),
    ("The Brevian army threatened to attack the border town.",
     {"Brevian": "NORP"},
     ("threatened", "THREATEN", "violence", "Brevian", None, None)),
    ("Police in Sarnow arrested three protesters.",
     {"Sarnow": "GPE"},
     ("arrested", "COERCE", "arrest", None, "protesters", None)),
    ("Tarvia said it would not meet the demands.",
     {"Tarvia": "GPE"},
     ("meet", "REJECT", None, None, "demands", None)),
]


@pytest.mark.parametrize(("text", "names", "expected"), CASES, ids=[c[2][0] + "-" + c[2][1] for c in CASES])
def test_event_cases(ctx: Context, text: str, names: dict[str, str],
                     expected: tuple[str, str, str | None, str | None, str | None, str | None]) -> None:
    trigger, event_type, mode, actor, target, place = expected
    analysis = _analyze(ctx, text, names)
    found = [e for e in analysis.events if _slice(text, e.trigger) == trigger]
    assert found, [(_slice(text, e.trigger), e.type) for e in analysis.events]
    event = found[0]
    assert (event.type, event.mode) == (event_type, mode)
    assert _slice(text, event.place_span) == place
    if actor is not None:
        assert _slice(text, event.actor_span) == actor
    if target is not None:
        assert target in (_slice(text, event.target_span) or "")
    assert _slice(text, event.span) == text.strip()


def test_threat_content_is_not_an_event(ctx: Context) -> None:
    text = "The Brevian army threatened to attack the border town."
    types = [e.type for e in _analyze(ctx, text, {"Brevian": "NORP"}).events]
    assert types == ["THREATEN"]


def test_date_from_the_sentence_and_from_the_paragraph(ctx: Context) -> None:
    text = ("Foreign Minister Lisa Brandt met Omar Kell in Veldon on Monday. "
            "Later she praised the Tarvian mediators.")
    analysis = _analyze(ctx, text, {"Lisa Brandt": "PERSON", "Omar Kell": "PERSON", "Veldon": "GPE"},
                        times={"Monday": "2031-03-10"})
    by_trigger = {_slice(text, e.trigger): e for e in analysis.events}
    met = by_trigger["met"].date
    assert met is not None and met.value == "2031-03-10" and _slice(text, met.span) == met.text == "Monday"
    praised = by_trigger["praised"].date
    assert praised is not None and praised.value == "2031-03-10" and praised.basis == "inferred"


def test_quoted_event_is_the_speakers_claim(ctx: Context) -> None:
    text = '"We congratulate the Zandar Front on this victory," Omar Kell said. Kell met Lisa Brandt.'
    content = Span(1, text.index(',"'))
    speaker_start = text.index("Omar Kell")
    quote = Quote("q1", "", content, text[content.start:content.end],
                  Speaker("Omar Kell", Span(speaker_start, speaker_start + 9)), "said", "explicit")
    analysis = _analyze(ctx, text, {"Zandar Front": "ORG", "Omar Kell": "PERSON", "Lisa Brandt": "PERSON"},
                        quotes=(quote,))
    by_trigger = {_slice(text, e.trigger): e for e in analysis.events}
    assert by_trigger["congratulate"].quote == "q1"
    assert by_trigger["congratulate"].type == "SUPPORT"
    assert by_trigger["met"].quote is None


def test_actor_and_target_are_mention_spans(ctx: Context) -> None:
    text = "Leaders of the Brevian Union and the Tarvian Front met in Sarnow."
    names = {"Brevian Union": "ORG", "Tarvian Front": "ORG", "Sarnow": "GPE"}
    analysis = _analyze(ctx, text, names)
    mention_spans = {m.span for m in analysis.mentions}
    event = next(e for e in analysis.events if e.type == "CONSULT")
    assert event.actor_span in mention_spans
    assert event.place_span in mention_spans
    assert _slice(text, event.actor_span) == "Brevian Union"


def test_ids_are_stable_and_spans_slice(ctx: Context) -> None:
    text = "Omar Kell met Lisa Brandt on Friday. Tarvia condemned the attack on Sarnow."
    first = _analyze(ctx, text, {"Omar Kell": "PERSON", "Lisa Brandt": "PERSON", "Tarvia": "GPE"})
    again = events.run(DocAnalysis(first.document, mentions=first.mentions), Context())
    assert [e.id for e in first.events] == [e.id for e in again.events]
    assert len({e.id for e in first.events}) == len(first.events)
    for event in first.events:
        for span in (event.span, event.trigger, event.actor_span, event.target_span, event.place_span):
            if span is not None:
                assert 0 <= span.start < span.end <= len(text)
                assert span.slice(text) == text[span.start:span.end]
                assert span.slice(text).strip() == span.slice(text)


def test_lexicon_types_are_plover() -> None:
    lexicon = load()
    used = {c.type for c in lexicon.verbs.values()} | {c.type for _, c in lexicon.phrases}
    assert used <= set(PLOVER_TYPES)
    assert lexicon.verbs["congratulate"].type == "SUPPORT"
    assert lexicon.verbs["meet"].mode == "meeting"


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Tarvia will provide food aid to the refugees.", "AGREE"),
    ("The rebels must withdraw from the town.", "REQUEST"),
    ("Brevia said it will impose sanctions on Tarvia.", "THREATEN"),
    ("Brevia imposed sanctions on Tarvia.", "SANCTION"),
])
def test_modality_rules(ctx: Context, sentence: str, expected: str) -> None:
    parsed = ctx.nlp(sentence)
    sent = next(iter(parsed.sents))
    lexicon = load()
    triggers = [extract.apply_modality(t, sent, lexicon) for t in extract.find_triggers(sent, lexicon)]
    main = extract.main_trigger(triggers, sent)
    assert main is not None and main.type == expected


def test_week_values_become_iso_months() -> None:
    assert events.iso_day_value("2031-W11-WE") == "2031-03"
    assert events.iso_day_value("2031-03-10T10:00") == "2031-03-10"
    assert events.iso_day_value("XXXX-WXX-1") is None
    assert events.iso_day_value("PRESENT_REF") is None


def _quote(text: str, content: str, speaker: str, cue: str, ref: str | None = None) -> Quote:
    start = text.index(content)
    speaker_start = text.index(speaker, start + len(content)) if speaker in text[start + len(content):] \
        else text.index(speaker)
    ref_span = None
    if ref is not None:
        ref_start = text.index(ref)
        ref_span = Span(ref_start, ref_start + len(ref))
    cue_start = text.index(cue, start + len(content)) if cue in text[start + len(content):] else text.index(cue)
    return Quote("q1", "", Span(start, start + len(content)), content,
                 Speaker(speaker, Span(speaker_start, speaker_start + len(speaker)), ref=ref_span), cue,
                 "explicit", cue_span=Span(cue_start, cue_start + len(cue)))


@pytest.mark.parametrize(("text", "content", "speaker", "cue", "ref", "praised", "day"), [
    # A tweet whose words say the party won: praise without a praise verb, dated by the attribution.
    ("Senior official Ilse Marr tweeted March 9, \u201cThe Zandar Front won today after years of struggle.\u201d",
     "The Zandar Front won today after years of struggle.", "Ilse Marr", "tweeted", None, "Zandar Front", "2031-03-09"),
    # A pronoun speaker: the date comes from the sentence that names the speaker.
    ("In a post on Sunday night, Ilse Marr compared the two movements.\n"
     "\"The Zandar Front is victorious today,\" she said.",
     "The Zandar Front is victorious today,", "she", "said", "Ilse Marr", "Zandar Front", "2031-03-09"),
])
def test_praise_in_a_quote_is_support_by_the_speaker(ctx: Context, text: str, content: str, speaker: str, cue: str,
                                                     ref: str | None, praised: str, day: str) -> None:
    quote = _quote(text, content, speaker, cue, ref)
    date_phrase = "March 9" if "March 9" in text else "Sunday night"
    analysis = _analyze(ctx, text, {"Ilse Marr": "PERSON", "Zandar Front": "ORG"},
                        times={date_phrase: day, "today": "2031-03-12"}, quotes=(quote,))
    support = [e for e in analysis.events if e.type == "SUPPORT"]
    assert len(support) == 1
    event = support[0]
    assert _slice(text, event.actor_span) == "Ilse Marr"
    assert _slice(text, event.target_span) == praised
    assert event.quote == "q1"
    assert event.date is not None and event.date.value == day and event.date.text == date_phrase
    assert event.trigger.slice(text) in ("won", "victorious")


def test_praise_needs_a_named_party_other_than_the_speaker(ctx: Context) -> None:
    text = "\u201cWe won today,\u201d said Ilse Marr."
    quote = _quote(text, "We won today,", "Ilse Marr", "said")
    analysis = _analyze(ctx, text, {"Ilse Marr": "PERSON"}, quotes=(quote,))
    assert [e for e in analysis.events if e.type == "SUPPORT"] == []


def test_we_in_a_quote_is_its_speaker(ctx: Context) -> None:
    text = "\u201cWe congratulate the Zandar Front,\u201d said Omar Kell."
    quote = _quote(text, "We congratulate the Zandar Front,", "Omar Kell", "said")
    analysis = _analyze(ctx, text, {"Zandar Front": "ORG", "Omar Kell": "PERSON"}, quotes=(quote,))
    (event,) = [e for e in analysis.events if e.type == "SUPPORT"]
    assert _slice(text, event.actor_span) == "Omar Kell"


INFERRED = DateRange("2032-10-31", "2032-12-31")


@pytest.mark.parametrize(("text", "trigger", "expected"), [
    # Reported as the article's news: the inferred publication year.
    ("Leaders of the Brevian Union and the Zandar Front met in Sarnow.", "met", "2032"),
    # Told as background or as a plan: no date from the publication.
    ("Leaders of the Brevian Union had met the Zandar Front in Sarnow.", "met", None),
    ("Leaders of the Brevian Union would meet the Zandar Front in Sarnow.", "meet", None),
])
def test_undated_news_takes_the_inferred_publication_date(ctx: Context, text: str, trigger: str,
                                                          expected: str | None) -> None:
    analysis = _analyze(ctx, text, {"Brevian Union": "ORG", "Zandar Front": "ORG", "Sarnow": "GPE"},
                        inferred=INFERRED)
    event = next(e for e in analysis.events if _slice(text, e.trigger) == trigger)
    value = event.date.value if event.date is not None else None
    assert value == expected
    if expected is not None:
        assert event.date is not None and event.date.basis == "inferred" and event.date.span is None


@pytest.mark.parametrize(("earliest", "latest", "expected"), [
    ("2032-10-31", "2032-12-31", "2032"),
    ("2032-10-02", "2032-10-20", "2032-10"),
    ("2032-12-20", "2033-01-10", None),
])
def test_publication_date_is_the_certain_part_of_the_range(earliest: str, latest: str, expected: str | None) -> None:
    document = Document(id="d", path="d.txt", text="x", published_inferred=DateRange(earliest, latest))
    assert events.publication_date(document) == expected
    assert events.publication_date(Document(id="d", path="d.txt", text="x", published="2032-01-01",
                                            published_inferred=DateRange(earliest, latest))) is None


def test_no_place_from_a_purpose_clause_or_another_quote(ctx: Context) -> None:
    text = ("Omar Kell had a call with Lisa Brandt and said the movement could help their brothers in Veldon "
            "to free Sarnow.")
    analysis = _analyze(ctx, text, {"Omar Kell": "PERSON", "Lisa Brandt": "PERSON", "Veldon": "GPE", "Sarnow": "GPE"})
    call = next(e for e in analysis.events if e.type == "CONSULT")
    assert call.place_span is None
    assert _slice(text, call.target_span) == "Lisa Brandt"


def test_person_after_a_possessive_is_the_target(ctx: Context) -> None:
    text = "After the vote, Omar Kell had a call with the Nord government\u2019s acting Foreign Minister Amir Tasso."
    analysis = _analyze(ctx, text, {"Omar Kell": "PERSON", "Nord": "ORG", "Amir Tasso": "PERSON"})
    call = next(e for e in analysis.events if e.type == "CONSULT")
    assert _slice(text, call.actor_span) == "Omar Kell"
    assert _slice(text, call.target_span) == "Amir Tasso"
    assert call.mode == "phone"


@pytest.mark.parametrize(("text", "expected"), [
    ("Rebel fighters entered Sarnow on Sunday.", ["ASSAULT"]),
    ("The minister entered the hall on Sunday.", []),
    ("Alliance fighters stayed in Sarnow.", []),
])
def test_armed_subjects_and_capitalised_names(ctx: Context, text: str, expected: list[str]) -> None:
    names = {"Sarnow": "GPE"} if "Sarnow" in text else {}
    assert [e.type for e in _analyze(ctx, text, names).events] == expected


def test_event_told_as_the_reason_for_another_keeps_no_borrowed_date(ctx: Context) -> None:
    text = "On Monday, the Sarrat Brigades congratulated the Zandar Front on its capture of Sarnow."
    analysis = _analyze(ctx, text, {"Sarrat Brigades": "ORG", "Zandar Front": "ORG", "Sarnow": "GPE"},
                        times={"Monday": "2031-03-11"})
    by_trigger = {_slice(text, e.trigger): e for e in analysis.events}
    congratulated = by_trigger["congratulated"].date
    assert congratulated is not None and congratulated.value == "2031-03-11"
    assert by_trigger["capture"].date is None
