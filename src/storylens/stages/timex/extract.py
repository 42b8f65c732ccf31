"""Find time expressions in a text with the rules of rules/time_patterns.json and normalise them
to TIMEX3-style values against an anchor day (the publication date), preferring the past as news
does: 'on Monday' in an article of Tuesday 2021-08-17 is 2021-08-16. Pure functions, no I/O."""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from storylens.model import Span
from storylens.stages.timex.lexicon import Lexicon, Pattern, lexicon


@dataclass(frozen=True, slots=True)
class Timex:
    """One time expression: where it is, its TIMEX3 type and value, and whether the anchor was used."""

    start: int
    end: int
    text: str
    type: str  # DATE|TIME|DURATION|SET
    value: str | None
    granularity: str | None  # year|month|week|day|time
    relative: bool  # the value depends on the anchor (or would, when there is none)
    rule: str


# Among matches of equal length, the more specific reading wins ('a year' after 'twice' is a SET).
_KIND_RANK = {"set": 0, "offset": 1, "time": 2, "date": 3, "quarter": 4, "weekday": 5, "deictic": 6,
              "relative": 7, "decade": 8, "century": 9, "season": 10, "pod": 11, "duration": 12, "vague-span": 12,
              "reference": 13}
_LEADING = re.compile(r"(?:over|on|in|during|at|by)\s+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<![A-Z][a-z])(?<![A-Z])[.!?]\s|\n")
_MONTH_CUE = re.compile(
    r"(?:\b(?:in|since|by|until|till|of|from|through|during|before|after|early|late|mid|last|next|this|"
    r"each|every|between|and|or|to|for|around)[\s-]+)$", re.IGNORECASE)
_NOT_A_YEAR_AFTER = re.compile(r"\s*(?:%|percent|per\s?cent|-?(?:foot|feet|meter|metre|mile|pound|kg|km))",
                               re.IGNORECASE)


def granularity_of(value: str | None) -> str | None:
    """year|month|week|day|time, read off a TIMEX3 value; None for durations, sets and references."""
    if not value:
        return None
    if re.fullmatch(r"(?:[\dX]{4}-[\dX]{2}-[\dX]{2}|XXXX-WXX-\d)T.+", value):
        return "time"
    if re.fullmatch(r"[\dX]{4}-[\dX]{2}-[\dX]{2}|XXXX-WXX-\d", value):
        return "day"
    if re.fullmatch(r"\d{4}-W\d{2}(?:-WE)?", value):
        return "week"
    if re.fullmatch(r"[\dX]{4}-\d{2}", value):
        return "month"
    if re.fullmatch(r"\d{4}", value):
        return "year"
    return None


def find_times(text: str, anchor: date | None, spans: Sequence[Span] | None = None) -> list[Timex]:
    """Every time expression of `text` (only inside `spans` when given), normalised against `anchor`.

    With no anchor, relative expressions keep what the text fixes ('XXXX-08-16', 'XXXX-WXX-1')
    or get no value ('last year').
    """
    lex = lexicon()
    candidates: list[tuple[int, int, Pattern, re.Match[str]]] = []
    for pattern in lex.patterns:
        for match in pattern.regex.finditer(text):
            start, end = _trim(text, match.start(), match.end())
            if start >= end or (spans is not None and not any(s.start <= start and end <= s.end for s in spans)):
                continue
            if _plausible(text, start, end, pattern, match, lex):
                candidates.append((start, end, pattern, match))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), _KIND_RANK.get(c[2].kind, 99), c[0]))
    taken: list[tuple[int, int, Pattern, re.Match[str]]] = []
    for cand in candidates:
        if all(cand[1] <= t[0] or cand[0] >= t[1] for t in taken):
            taken.append(cand)
    taken.sort(key=lambda c: c[0])
    state = _State(anchor)
    found = []
    for start, end, pattern, match in taken:
        normalised = _NORMALISERS[pattern.kind](match, lex, state, _future(text, start, end, lex))
        if normalised is None:
            continue
        value, type_, relative = normalised
        found.append(Timex(start, end, text[start:end], type_ or pattern.type, value, granularity_of(value),
                           relative, pattern.name))
    return found


# ------------------------------------------------------------------------------------------ matching


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop a leading preposition ('over the weekend' -> 'the weekend') and trailing spaces/commas."""
    lead = _LEADING.match(text, start, end)
    if lead and lead.end() < end and text[lead.end():end].lower() != "present":
        start = lead.end()
    while end > start and text[end - 1] in " ,\t":
        end -= 1
    return start, end


def _plausible(text: str, start: int, end: int, pattern: Pattern, match: re.Match[str], lex: Lexicon) -> bool:
    """Reject matches that are more likely not time expressions: 'may' the verb, '1,999', '2000 %'."""
    groups = match.groupdict()
    before = text[max(0, start - 30):start]
    for key in ("month", "weekday"):
        word = groups.get(key)
        if word and not word[0].isupper():
            return False
    month = groups.get("month")
    if month and pattern.name == "month":
        bare = month.rstrip(".").lower()
        cued = groups.get("mod") or groups.get("rel") or groups.get("relyear") or _MONTH_CUE.search(before)
        if bare in lex.ambiguous_months and not cued:
            return False
        if len(bare) <= 4 and not month.endswith(".") and bare not in ("may", "june", "july"):
            return False
    weekday = groups.get("weekday")
    if weekday and weekday.rstrip(".").lower() in lex.ambiguous_weekdays and not weekday.endswith("."):
        return False
    if text[start].isdigit() and start >= 2 and text[start - 1] in ",./-" and text[start - 2].isdigit():
        return False
    numeric = pattern.name in ("fixed-year", "duration", "hyphen-duration", "offset") and text[start].isdigit()
    if numeric and (_NOT_A_YEAR_AFTER.match(text, end) or (start and text[start - 1] in "#£€$")):
        return False
    if pattern.kind == "season" and not (groups.get("rel") or groups.get("year") or groups.get("mod")):
        return before.lower().endswith("the ")
    return True


def sentence_around(text: str, start: int, end: int, reach: int = 300) -> Span:
    """The sentence holding text[start:end] (at most `reach` characters either side)."""
    floor = max(0, start - reach)
    left = max((m.end() for m in _SENTENCE_END.finditer(text, floor, start)), default=floor)
    right_match = _SENTENCE_END.search(text, end, end + reach)
    right = right_match.start() + 1 if right_match else min(len(text), end + reach)
    return Span(left, max(right, end))


def is_future(text: str, start: int, end: int) -> bool:
    """Whether the sentence around text[start:end] speaks of the future ('will meet on Monday')."""
    return _future(text, start, end, lexicon())


def _future(text: str, start: int, end: int, lex: Lexicon) -> bool:
    sentence = sentence_around(text, start, end)
    context = text[sentence.start:start] + " " + text[end:sentence.end]
    return bool(lex.future_cues.search(context))


# ------------------------------------------------------------------------------------------ normalising


class _State:
    """The anchor and what the text said so far that later expressions refer back to (the quarter)."""

    def __init__(self, anchor: date | None) -> None:
        self.anchor = anchor
        self.quarter: tuple[int, int] | None = None  # the last quarter named, as (year, quarter)

    def reference_quarter(self) -> tuple[int, int] | None:
        if self.quarter:
            return self.quarter
        if self.anchor is None:
            return None
        # Reports in a quarter speak of the one just closed (TimeBank: 'the quarter' in Oct = Q3).
        current = (self.anchor.month - 1) // 3 + 1
        return (self.anchor.year, current - 1) if current > 1 else (self.anchor.year - 1, 4)


Normalised = tuple[str | None, str | None, bool] | None  # (value, type override, relative)
Normaliser = Callable[[re.Match[str], Lexicon, _State, bool], Normalised]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _month_number(match: re.Match[str], lex: Lexicon) -> int | None:
    groups = match.groupdict()
    if groups.get("month_num"):
        return int(groups["month_num"])
    if groups.get("month"):
        return lex.months.get(groups["month"].rstrip(".").lower())
    return None


def _year_words(words: str, lex: Lexicon) -> int | None:
    parts = words.lower().split(" ", 1)
    head = lex.number(parts[0])
    tail = lex.number(parts[1]) if len(parts) > 1 else 0
    return int(head * 100 + tail) if head is not None and tail is not None else None


def _closest_year(anchor: date, month: int, day: int, future: bool) -> int:
    """The year that puts month/day nearest the anchor, in the past unless the sentence is future."""
    day = min(day, 28) if month == 2 else day
    same = date(anchor.year, month, day)
    # Up to 90 days ahead stays in the anchor's year (deadlines, payment dates, scheduled
    # meetings); later than that is last year's. Calibrated on TempEval-3 TBAQ (7: 0.749, 45:
    # 0.765, 90 and 150: 0.767 value F1).
    if not future and same > anchor + timedelta(days=90):
        return anchor.year - 1
    if future and same < anchor - timedelta(days=7):
        return anchor.year + 1
    return anchor.year


def _norm_date(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    anchor = state.anchor
    year = int(groups["year"]) if groups.get("year") else None
    if groups.get("year_words"):
        year = _year_words(groups["year_words"], lex)
        if year is None:
            return None
    month = _month_number(match, lex)
    day = int(re.sub(r"\D", "", groups["day"])) if groups.get("day") else None
    relative = year is None
    if year is None and groups.get("relyear"):
        if anchor is None:
            return (f"XXXX-{month:02d}" if month else None), None, True
        year = anchor.year + lex.relative_words.get(groups["relyear"].split()[0].lower(), 0)
    if month is None:
        return (str(year) if year else None), None, False
    if day is not None and day > calendar.monthrange(year or 2000, month)[1]:
        return None
    if year is None:
        rel = lex.relative_words.get((groups.get("rel") or "").lower())
        if anchor is None:
            return (f"XXXX-{month:02d}-{day:02d}" if day else f"XXXX-{month:02d}"), None, True
        if day is not None:
            year = _closest_year(anchor, month, day, future)
        elif rel == -1:
            year = anchor.year if month < anchor.month else anchor.year - 1
        elif rel == 1:
            year = anchor.year if month > anchor.month else anchor.year + 1
        elif rel == 0:
            year = anchor.year
        else:
            year = _closest_year(anchor, month, 1, future) if month != anchor.month else anchor.year
    if day is None:
        return f"{year:04d}-{month:02d}", None, relative
    return f"{year:04d}-{month:02d}-{day:02d}", None, relative


def _weekday_date(anchor: date, weekday: int, rel: int | None, future: bool) -> date:
    today = anchor.isoweekday()
    if rel == -1:
        return anchor - timedelta(days=(today - weekday - 1) % 7 + 1)
    if rel == 1:
        return anchor + timedelta(days=(weekday - today - 1) % 7 + 1)
    if rel == 0:
        return anchor + timedelta(days=weekday - today)
    if future:
        return anchor + timedelta(days=(weekday - today) % 7)
    return anchor - timedelta(days=(today - weekday) % 7)


def _pod_suffix(groups: dict[str, str | None], lex: Lexicon) -> str:
    pod = groups.get("pod")
    return f"T{lex.parts_of_day[pod.lower()]}" if pod else ""


def _norm_weekday(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    weekday = lex.weekdays[(groups["weekday"] or "").rstrip(".").lower()]
    rel_word = (groups.get("rel") or "").lower()
    rel = {"last": -1, "past": -1, "previous": -1, "next": 1, "coming": 1, "this": 0}.get(rel_word)
    suffix = _pod_suffix(groups, lex)
    if state.anchor is None:
        return f"XXXX-WXX-{weekday}{suffix}", None, True
    day = _weekday_date(state.anchor, weekday, rel, future or rel == 1)
    return f"{day.isoformat()}{suffix}", None, True


def _norm_deictic(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    word = (groups["deictic"] or "").lower()
    offset = {"last": -1, "this": 0}.get(word, lex.deictic_days.get(word, 0))
    suffix = _pod_suffix(groups, lex)
    if state.anchor is None:
        return None, None, True
    return f"{(state.anchor + timedelta(days=offset)).isoformat()}{suffix}", None, True


def _norm_relative(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    if match.group(0).lower().endswith("year-end"):
        return (f"{state.anchor.year}-12-31" if state.anchor else None), None, True
    return _relative_value((groups["unit"] or "").lower(), groups.get("rel") or "", lex, state)


def _relative_value(unit: str, rel_text: str, lex: Lexicon, state: _State) -> Normalised:
    """'last week', 'this month', 'next year', 'the weekend', 'last summer' against the anchor."""
    rel_word = " ".join(rel_text.lower().split())
    anchor = state.anchor
    if rel_word == "the" and unit != "weekend":
        return None
    if rel_word in ("past", "the past") and unit in ("decade", "century"):
        return _duration_value(1, lex.units[unit]), "DURATION", False
    rel = -1 if rel_word == "the" else lex.relative_words.get(rel_word, 0)
    if anchor is None:
        return None, None, True
    if unit == "week":
        return _week(anchor + timedelta(days=7 * rel)), None, True
    if unit == "weekend":
        today = anchor.isoweekday()
        if rel == 0 and today < 6 and rel_word == "this":
            base = anchor
        elif rel <= 0:
            base = anchor if today >= 6 else anchor - timedelta(days=today)
        else:
            base = anchor + timedelta(days=7)
        return _week(base) + "-WE", None, True
    if unit == "month":
        shifted = _add_months(anchor, rel)
        return f"{shifted.year:04d}-{shifted.month:02d}", None, True
    if unit == "year":
        return f"{anchor.year + rel:04d}", None, True
    if unit == "quarter":
        index = anchor.year * 4 + (anchor.month - 1) // 3 + rel
        year, quarter = divmod(index, 4)
        state.quarter = (year, quarter + 1)
        return f"{year}-Q{quarter + 1}", None, True
    if unit == "decade":
        return f"{anchor.year // 10 + rel}", None, True
    if unit == "century":
        return f"{anchor.year // 100 + rel:02d}", None, True
    if unit in lex.seasons:
        code = lex.seasons[unit]
        season_month = {"SP": 4, "SU": 7, "FA": 10, "WI": 1}[code]
        year = anchor.year + rel
        if rel == -1 and season_month < anchor.month - 1:
            year = anchor.year
        if rel == 1 and season_month > anchor.month:
            year = anchor.year
        return f"{year}-{code}", None, True
    return None


def _duration_value(number: float | None, unit: str) -> str:
    if number is None:
        return {"MIN": "PTXM", "S": "PTXS", "H": "PTXH", "DE": "PXY", "CE": "PXY", "WE": "PXWE"}.get(unit, f"PX{unit}")
    if number != int(number):
        smaller = {"Y": (12, "M"), "M": (30, "D"), "D": (24, "H"), "H": (60, "MIN"), "W": (7, "D"), "DE": (10, "Y")}
        if unit in smaller:
            factor, unit = smaller[unit]
            number *= factor
    count = int(number)
    if unit == "DE":
        return f"P{count * 10}Y"
    if unit == "CE":
        return f"P{count * 100}Y"
    if unit == "WE":
        return f"P{count * 2}D"
    if unit in ("H", "S"):
        return f"PT{count}{unit}"
    if unit == "MIN":
        return f"PT{count}M"
    return f"P{count}{unit}"


def _norm_duration(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    unit_word = (groups.get("unit") or "").lower()
    unit = lex.units.get(unit_word)
    if unit is None or "old" in (groups.get("tail") or "").lower():
        return None  # an age ('a 52-year-old man') is not a time expression in TimeML
    number = lex.number(groups.get("num"))
    if groups.get("num2") and not groups.get("num"):
        number = None
    plural_only = groups.get("num") is None
    if plural_only or (number is None and (groups.get("num") or "").lower() not in lex.vague_numbers):
        number = None
    if number is not None and number > 10_000:
        return None
    return _duration_value(number, unit), None, False


def _norm_vague_span(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    """'recent years', 'coming months': a vague stretch before or after now."""
    rel = (match.group("durrel") or "").lower()
    return ("FUTURE_REF" if rel in ("coming", "next") else "PAST_REF"), None, True


def _norm_offset(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    unit = lex.units.get((groups.get("unit") or "").lower())
    direction = (groups.get("dir") or "").lower()
    sign = 1 if direction in ("later", "from now", "hence") else -1
    number = lex.number(groups.get("num")) if groups.get("num") else 1.0
    anchor = state.anchor
    if unit is not None and (direction in ("later", "before", "previously", "prior")
                             or (direction == "earlier" and unit in ("D", "W", "H", "MIN", "S"))):
        # 'three days later' counts from another event, not from the publication date.
        return _duration_value(number, unit), "DURATION", False
    if number is None:
        return ("FUTURE_REF" if sign > 0 else "PAST_REF"), None, True
    if anchor is None or unit is None:
        return None, None, True
    count = int(number) * sign
    sentence = match.string[max(0, match.start() - 200):match.end() + 100].lower()
    if unit == "Y" and "quarter" in sentence:
        ref = state.reference_quarter()
        if ref:
            return f"{ref[0] + count}-Q{ref[1]}", None, True
    if unit == "D":
        return (anchor + timedelta(days=count)).isoformat(), None, True
    if unit == "W":
        return _week(anchor + timedelta(days=7 * count)), None, True
    if unit == "M":
        shifted = _add_months(anchor, count)
        return f"{shifted.year:04d}-{shifted.month:02d}", None, True
    if unit in ("Y", "DE", "CE"):
        return f"{anchor.year + count * {'Y': 1, 'DE': 10, 'CE': 100}[unit]:04d}", None, True
    if unit == "Q":
        index = anchor.year * 4 + (anchor.month - 1) // 3 + count
        return f"{index // 4}-Q{index % 4 + 1}", None, True
    return ("PAST_REF" if sign < 0 else "FUTURE_REF"), None, True


def _norm_quarter(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    anchor = state.anchor
    rel = (groups.get("rel") or "").lower()
    unit = (groups.get("qunit") or "quarter").lower()
    if unit == "period" and not rel:
        return None
    year_text = groups.get("year") or groups.get("year2")
    ordinal = groups.get("ord")
    if ordinal is None:
        ref = state.reference_quarter()
        if ref is None:
            return None, None, True
        year, quarter = ref
        if rel in ("latest", "most recent", "recent", "current") and state.anchor is not None:
            # 'the latest quarter' is the one just reported, whatever quarter was named before.
            current = (state.anchor.month - 1) // 3 + 1
            fresh = _State(state.anchor).reference_quarter() or ref
            year, quarter = (state.anchor.year, current) if rel == "current" else fresh
        if rel in ("year-ago", "year-earlier"):
            year -= 1
        return f"{year}-Q{quarter}", None, True
    number = lex.ordinals.get(ordinal.lower(), 1)
    label = f"H{min(number, 2)}" if unit == "half" else f"Q{min(number, 4)}"
    if year_text:
        year = int(year_text)
        relative = False
    elif groups.get("year_poss"):
        if anchor is None:
            return None, None, True
        year = anchor.year + lex.relative_words.get(groups["year_poss"].split()[0].lower(), 0)
        relative = True
    else:
        if anchor is None:
            return f"XXXX-{label}", None, True
        current = (anchor.month - 1) // 3 + 1 if unit == "quarter" else (1 if anchor.month <= 6 else 2)
        year = anchor.year - 1 if number > current and not future else anchor.year
        if rel in ("year-ago", "year-earlier", "last", "previous", "prior"):
            year -= 1
        relative = True
    if unit == "quarter":
        state.quarter = (year, min(number, 4))
    return f"{year}-{label}", None, relative


def _norm_decade(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    digits = (match.group("decade") or "").lstrip("'’")
    if len(digits) == 2:
        century = 20 if state.anchor and int(digits) <= state.anchor.year % 100 else 19
        return f"{century}{digits[0]}", None, True
    return digits[:3], None, False


def _norm_century(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    number = lex.ordinals.get((match.group("ord") or "").lower())
    return (f"{number - 1:02d}" if number else None), None, False


def _norm_time(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    named = (groups.get("named") or "").lower()
    if named:
        clock = "24:00" if named == "midnight" else "12:00"
    else:
        hour = int(groups["hour"] or 0)
        ampm = (groups.get("ampm") or "").lower()
        if ampm.startswith("p") and hour < 12:
            hour += 12
        elif ampm.startswith("a") and hour == 12:
            hour = 0
        clock = f"{hour:02d}:{int(groups.get('minute') or 0):02d}"
    anchor = state.anchor
    if anchor is None:
        return f"XXXX-XX-XXT{clock}", None, True
    day = anchor
    if groups.get("weekday"):
        day = _weekday_date(anchor, lex.weekdays[groups["weekday"].rstrip(".").lower()], None, future)
    elif groups.get("deictic"):
        day = anchor + timedelta(days=lex.deictic_days.get(groups["deictic"].lower(), 0))
    return f"{day.isoformat()}T{clock}", None, True


def _norm_pod(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    code = lex.parts_of_day.get(match.group("named").lower().replace(" ", "-"), "AF")
    if state.anchor is None:
        return None, None, True
    return f"{state.anchor.isoformat()}T{code}", None, True


def _norm_season(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    code = lex.seasons[(groups["season"] or "").lower()]
    if groups.get("year"):
        return f"{groups['year']}-{code}", None, False
    if groups.get("rel"):
        return _relative_value((groups["season"] or "").lower(), groups["rel"] or "", lex, state)
    if state.anchor is None:
        return f"XXXX-{code}", None, True
    return f"{state.anchor.year}-{code}", None, True


def _norm_reference(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    key = " ".join(match.group("ref").lower().split())
    return lex.reference_words.get(key), None, True


def _norm_set(match: re.Match[str], lex: Lexicon, state: _State, future: bool) -> Normalised:
    groups = match.groupdict()
    if groups.get("setword"):
        return lex.sets.get(groups["setword"].lower()), None, False
    if groups.get("weekday"):
        return f"XXXX-WXX-{lex.weekdays[groups['weekday'].rstrip('.').lower()]}", None, False
    unit_text = (groups.get("unit") or "").lower().split()[-1]
    unit = lex.units.get(unit_text)
    if unit is None:
        return None
    number = lex.number(groups.get("num")) if groups.get("num") and groups["num"] != "other" else 1.0
    if groups.get("num") == "other":
        number = 2.0
    return _duration_value(number, unit), None, False


_NORMALISERS: dict[str, Normaliser] = {
    "date": _norm_date, "weekday": _norm_weekday, "deictic": _norm_deictic, "relative": _norm_relative,
    "duration": _norm_duration, "offset": _norm_offset, "quarter": _norm_quarter, "decade": _norm_decade,
    "century": _norm_century, "time": _norm_time, "pod": _norm_pod, "season": _norm_season,
    "reference": _norm_reference, "set": _norm_set, "vague-span": _norm_vague_span,
}
