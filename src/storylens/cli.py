"""The `storylens` command: parse arguments, call the API, map errors to exit codes."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from storylens import __version__, api
from storylens.config import Config
from storylens.errors import CODES, MissingDependency, StageError, StoreError, StorylensError
from storylens.model import CorpusAnalysis
from storylens.pipeline import STAGES

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_STORE, EXIT_STAGE, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 130

EPILOG = f"""\
exit codes:
  {EXIT_OK}    every input was analysed
  {EXIT_PARTIAL}    partial: some inputs were rejected (each is recorded with its code and reason)
  {EXIT_USAGE}    bad usage or arguments
  {EXIT_STORE}    the store could not be opened or written
  {EXIT_STAGE}    a stage or an optional dependency is missing
  {EXIT_INTERRUPTED}  interrupted (what was stored is kept; re-running resumes)

stages (in run order):
""" + "\n".join(f"  {s.name:<{max(len(t.name) for t in STAGES)}}  {s.doc}" for s in STAGES) + """

examples:
  storylens analyze articles/ --db story.sqlite --json story.json --html story.html
  storylens search "phone call" --db story.sqlite
  storylens export --db story.sqlite --csv tables/
  storylens serve --db story.sqlite
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="storylens", formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG,
        description="Read many articles about one story and say who copied whom, who said what and what "
                    "happened when, with every fact linked to its source characters.")
    parser.add_argument("--version", action="version", version=f"storylens {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    analyze = sub.add_parser("analyze", help="analyse files, folders or globs (.txt .md .html .jsonl .warc.gz)",
                             formatter_class=argparse.RawDescriptionHelpFormatter, epilog=EPILOG)
    analyze.add_argument("paths", nargs="+", metavar="PATH")
    analyze.add_argument("--db", help="SQLite store to add to (default: in memory, nothing kept)")
    analyze.add_argument("--json", dest="json_out", metavar="OUT", help="write the JSON of OUTPUT.md")
    analyze.add_argument("--html", dest="html_out", metavar="OUT", help="write the self-contained HTML report")
    analyze.add_argument("--stages", help="comma-separated stage names to run (default: all)")
    analyze.add_argument("--max-bytes", type=int, default=Config().max_bytes, help="reject larger inputs (SL105)")
    analyze.add_argument("--engine", choices=("local", "spark"), default="local",
                         help="run the stages in this process or on Apache Spark (extra `spark`)")
    analyze.add_argument("--master", default="local[2]", help="Spark master URL (with --engine spark)")
    analyze.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")

    search = sub.add_parser("search", help="full-text search over the body text of a store")
    search.add_argument("query")
    search.add_argument("--db", required=True)
    search.add_argument("--limit", type=int, default=20)
    search.add_argument("--json", action="store_true", help="print JSON lines instead of a table")

    export = sub.add_parser("export", help="export a store as JSON, CSV or Parquet")
    export.add_argument("--db", required=True)
    group = export.add_mutually_exclusive_group(required=True)
    group.add_argument("--json", dest="json_out", metavar="OUT")
    group.add_argument("--csv", dest="csv_dir", metavar="DIR")
    group.add_argument("--parquet", dest="parquet_dir", metavar="DIR")

    info = sub.add_parser("info", help="what a store holds")
    info.add_argument("--db", required=True)

    report = sub.add_parser("report", help="write the self-contained HTML report of a store")
    report.add_argument("--db", required=True)
    report.add_argument("--html", dest="html_out", required=True, metavar="OUT")

    serve = sub.add_parser("serve", help="browse a store in a local, read-only web viewer")
    serve.add_argument("--db", required=True)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8765)

    sub.add_parser("codes", help="list the error codes and their fixes")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.ERROR if getattr(args, "quiet", False) else logging.WARNING,
                        format="storylens: %(message)s", stream=sys.stderr)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("storylens: interrupted; what was stored is kept, re-run to resume", file=sys.stderr)
        return EXIT_INTERRUPTED
    except StoreError as exc:
        return _fail(exc, EXIT_STORE)
    except (StageError, MissingDependency) as exc:
        return _fail(exc, EXIT_STAGE)
    except StorylensError as exc:
        return _fail(exc, EXIT_USAGE)


def _fail(exc: StorylensError, code: int) -> int:
    print(f"storylens: error {exc}" + (f" (fix: {exc.hint})" if exc.hint else ""), file=sys.stderr)
    return code


def cmd_analyze(args: argparse.Namespace) -> int:
    config = replace(Config(), max_bytes=args.max_bytes)
    stages = args.stages.split(",") if args.stages else None
    if args.engine == "spark":
        from storylens.scale.spark import analyze_on_spark

        result = analyze_on_spark(args.paths, db=args.db, stages=stages, config=config, master=args.master,
                                  load_result=bool(args.json_out or args.html_out or not args.db))
    else:
        result = api.analyze(args.paths, db=args.db, stages=stages, config=config,
                             progress=api.tqdm_progress(args.quiet),
                             load_result=bool(args.json_out or args.html_out or not args.db))
    _write_outputs(result.corpus, args.json_out, args.html_out)
    summary = result.summary
    if not args.quiet:
        print(f"storylens: {summary.inputs} input(s), {summary.skipped_inputs} already analysed, "
              f"{summary.documents_added} document(s) added, {summary.rejected} rejected "
              f"({summary.seconds:.1f} s)", file=sys.stderr)
        for rejection in summary.rejections:
            print(f"  rejected {rejection.path}: {rejection.code} {rejection.reason}", file=sys.stderr)
    return EXIT_PARTIAL if summary.rejected else EXIT_OK


def _write_outputs(corpus: CorpusAnalysis, json_out: str | None, html_out: str | None) -> None:
    if json_out:
        from storylens.export import write_json

        write_json(corpus, json_out)
    if html_out:
        from storylens.report.html import write_report

        write_report(corpus, html_out)


def cmd_search(args: argparse.Namespace) -> int:
    _need_db(args.db)
    hits = api.search(args.db, args.query, args.limit)
    for hit in hits:
        if args.json:
            print(json.dumps(hit, ensure_ascii=False))
        else:
            print(f"{hit['id']}  {hit['outlet'] or '-'}  {hit['published'] or '-'}  {hit['title'] or hit['path']}\n"
                  f"    {hit['snippet']}")
    if not hits and not args.json:
        print("no matches", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    _need_db(args.db)
    corpus = api.load(args.db)
    from storylens.export import write_json, write_tables

    if args.json_out:
        write_json(corpus, args.json_out)
    else:
        fmt, folder = ("csv", args.csv_dir) if args.csv_dir else ("parquet", args.parquet_dir)
        write_tables(corpus, folder, fmt)
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    _need_db(args.db)
    from storylens.store.db import Store

    with Store(args.db) as store:
        info = store.info()
        print(f"store      {info.path} (schema {info.schema_version}, integrity {store.integrity_check()})")
        print(f"documents  {info.documents}    rejections {info.rejections}    runs {info.runs}")
        for kind, count in sorted(info.corpus.items()):
            print(f"{kind:<10} {count}")
        for outlet, count in info.outlets.items():
            print(f"  outlet {outlet}: {count}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    _need_db(args.db)
    _write_outputs(api.load(args.db), None, args.html_out)
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    _need_db(args.db)
    from storylens.report.server import serve

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"storylens: warning: serving on {args.host}: other machines can read this store", file=sys.stderr)
    serve(args.db, host=args.host, port=args.port)
    return EXIT_OK


def cmd_codes(_args: argparse.Namespace) -> int:
    for code in CODES.values():
        print(f"{code.code}  {code.title:<32} {code.hint}")
    return EXIT_OK


def _need_db(db: str) -> None:
    if not Path(db).exists():
        raise StorylensError(f"no store at {db}; create one with `storylens analyze PATH --db {db}`", "SL101")


COMMANDS = {"analyze": cmd_analyze, "search": cmd_search, "export": cmd_export, "info": cmd_info,
            "report": cmd_report, "serve": cmd_serve, "codes": cmd_codes}


if __name__ == "__main__":
    sys.exit(main())
