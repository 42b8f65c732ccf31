"""Time expressions: rule-based finding and TIMEX3 normalisation (extract), word lists (lexicon)."""

from storylens.stages.timex.extract import Timex, find_times, granularity_of, is_future, sentence_around

__all__ = ["Timex", "find_times", "granularity_of", "is_future", "sentence_around"]
