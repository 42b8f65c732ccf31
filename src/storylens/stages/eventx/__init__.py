"""Helpers of the events stage: the PLOVER trigger lexicon and trigger/role extraction on a parse.

`lexicon` loads rules/plover_triggers.json; `extract` finds triggers in a spaCy sentence, picks the
main one, and reads actor, target and place from the dependency parse.
"""
