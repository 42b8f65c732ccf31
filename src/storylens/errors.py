"""Errors with codes: every failure storylens reports has an `SL###` code and a one-line fix hint.

Input problems become `Rejection` records (the run goes on); the others stop the command with the
exit code the CLI maps from the error's class.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    title: str
    hint: str


CODES: dict[str, Code] = {
    c.code: c
    for c in (
        Code("SL101", "file not found", "check the path; globs are expanded by storylens"),
        Code("SL102", "empty input", "the file has no text; nothing to analyse"),
        Code("SL103", "binary input", "the file is not text (NUL bytes or a binary signature)"),
        Code("SL104", "undecodable text", "the bytes fit no text encoding; re-save the file as UTF-8"),
        Code("SL105", "input too large", "split the file or raise --max-bytes"),
        Code("SL106", "unsupported file type", "use .txt, .md, .html, .htm, .json, .jsonl, .warc or .warc.gz"),
        Code("SL107", "unreadable file", "check permissions; the file could not be read"),
        Code("SL110", "broken JSON line", "fix the JSON syntax of that line; the other lines were read"),
        Code("SL111", "unknown JSON layout", "give each record a text field: text, body, content or article"),
        Code("SL120", "broken HTML", "the page has no visible text storylens can read"),
        Code("SL121", "no article text", "the page has visible text but no article body was found"),
        Code("SL130", "broken WARC", "the archive is truncated or not a WARC; records before the fault were read"),
        Code("SL131", "broken gzip", "the compressed file is truncated or corrupt"),
        Code("SL140", "no body text", "every line of the article was recognised as boilerplate"),
        Code("SL150", "stage failed on a document", "a bug: please report it with the document"),
        Code("SL201", "store error", "the database file is damaged or locked; run `storylens info --db FILE`"),
        Code("SL202", "store from a newer storylens", "upgrade storylens to read this database"),
        Code("SL301", "unknown stage", "run `storylens analyze --help` for the stage names"),
        Code("SL302", "missing optional dependency", "install the extra named in the message"),
        Code("SL401", "bad argument", "see `storylens --help`"),
    )
}


class StorylensError(Exception):
    """Base of every storylens error; `code` names an entry of CODES."""

    code = "SL401"

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def hint(self) -> str:
        return CODES[self.code].hint if self.code in CODES else ""

    def __str__(self) -> str:
        return f"{self.code}: {self.args[0]}"


class InputRejected(StorylensError):
    """An input that cannot become a document; becomes a Rejection, the run goes on."""

    code = "SL104"


class StoreError(StorylensError):
    code = "SL201"


class StageError(StorylensError):
    code = "SL301"


class MissingDependency(StorylensError):
    code = "SL302"
