"""The ``certledger`` command: serve the API, import documents, rebuild read models."""

from __future__ import annotations

import argparse
import getpass
import os
import logging
import sys
import time
from datetime import date
from pathlib import Path

from api.operations import configure_logging
from api.settings import CORRECTIONS_DIR, SEED_DOCUMENT, Settings
from domain.errors import CertLedgerError
from domain.school_year import SchoolYear
from events.importing import ReviewedCorrections, read_document_file
from events.store import Store, StoreLocation
from events.tokens import check_holder_name


def _store(settings: Settings) -> Store:
    location = StoreLocation.parse(settings.db)
    print(f"certledger: store {location.describe()}", file=sys.stderr)
    return Store(location)


def _date(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise ValueError(f"{flag} {value!r}: {e} (expected YYYY-MM-DD)") from None


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.seed_if_empty:
        seeded = _import(settings, SEED_DOCUMENT, if_empty=True, dry_run=False, recorded_by=_who())
        if seeded:
            return seeded
    print(f"certledger: serving GraphQL on http://{args.host}:{args.port}/graphql "
          f"(store: {StoreLocation.parse(settings.db).describe()})", flush=True)
    os.environ.setdefault("CERTLEDGER_LOG_LEVEL", args.log_level)
    configure_logging(args.log_level)
    uvicorn.run(
        "api.app:create_app", factory=True, host=args.host, port=args.port,
        workers=args.workers, log_level=args.log_level, proxy_headers=False,
        access_log=False,  # RequestIds writes one JSON line per request instead
        log_config=None, timeout_graceful_shutdown=30,  # finish in-flight writes on SIGTERM
    )
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    if args.recorded_by is not None:
        try:
            check_holder_name(args.recorded_by, "--recorded-by")
        except CertLedgerError as e:
            print(f"certledger import: refused, nothing recorded: {e}", file=sys.stderr)
            return 2
    return _import(
        settings, Path(args.path), if_empty=args.if_empty, dry_run=args.dry_run,
        recorded_by=f"cli:{args.recorded_by}" if args.recorded_by else _who(), corrections=args.corrections,
        school_year=args.school_year, swib_voted_on=args.swib_voted_on,
        sbe_approved_on=args.sbe_approved_on, reference=args.reference or "",
    )


def _import(
    settings: Settings, path: Path, *, if_empty: bool, dry_run: bool, recorded_by: str,
    corrections: Path | None = None, school_year: str | None = None,
    swib_voted_on: str | None = None, sbe_approved_on: str | None = None, reference: str = "",
) -> int:
    store = _store(settings)
    try:
        if if_empty and (store.ledger.recorder.max_notification_id() or 0) > 0:
            print(f"certledger: store already holds events; {path.name} not imported")
            store.sync()
            return 0
        listing = read_document_file(
            path, corrections=corrections, reviewed=ReviewedCorrections(CORRECTIONS_DIR),
            school_year=SchoolYear.parse(school_year) if school_year else None,
            swib_voted_on=_date(swib_voted_on, "--swib-voted-on"),
            sbe_approved_on=_date(sbe_approved_on, "--sbe-approved-on"),
            reference=reference,
        )
        store.sync()  # names and ids recorded in other years, as the rules look them up
        recorded = store.ledger.import_list(listing, recorded_by=recorded_by, dry_run=dry_run)
        store.sync()
    except (CertLedgerError, ValueError) as e:
        print(f"certledger import: refused, nothing recorded: {e}", file=sys.stderr)
        return 2
    finally:
        store.close()
    verb = "would record" if dry_run else "recorded"
    print(
        f"certledger: {path.name}: {len(listing.rows)} rows for {listing.school_year}; "
        f"{verb} {len(recorded.events)} events, {recorded.unchanged} already on record"
    )
    for note in recorded.notes:
        print(f"  correction applied: {note}")
    if dry_run:
        for event in recorded.events:
            print(f"  would record {_describe(event)}")
    return 0


def _describe(event: object) -> str:
    """One line a person can check: the event's kind, what it concerns, and where."""
    fields = event.__dict__
    text = f"{type(event).__name__}: {fields['school_year']}"
    if fields.get("certification_name"):
        text += f" — {fields['certification_name']} under {fields['sector']} / {fields['pathway']}"
    if fields.get("recognized") is not None:
        text += " (recognized)" if fields["recognized"] else " (not recognized)"
    return text


def cmd_rebuild(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        started = time.perf_counter()
        position = store.projector.rebuild()
        print(f"certledger: read model rebuilt to event {position} "
              f"in {time.perf_counter() - started:.2f}s")
    finally:
        store.close()
    return 0


def cmd_token(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    try:
        if args.action == "create":
            token = store.tokens.create(args.name, args.role)
            print(f"certledger: created {args.role} token {args.name!r}. It is shown only this once;")
            print("store it now (it is kept only as a hash):")
            print(token)
        elif args.action == "revoke":
            if store.tokens.revoke(args.name):
                print(f"certledger: token {args.name!r} revoked")
            else:
                print(f"certledger: token {args.name!r} was already revoked")
        else:
            tokens = store.tokens.list()
            if not tokens:
                print("certledger: no tokens; create one with `certledger token create NAME`")
            for info in tokens:
                state = f"revoked {info.revoked_at}" if info.revoked_at else "active"
                print(f"{info.name}\t{info.role}\tcreated {info.created_at}\t{state}")
    except CertLedgerError as e:
        print(f"certledger token: refused: {e}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def cmd_export_schema(args: argparse.Namespace, settings: Settings) -> int:
    from api.schema import SDL_PATH, export, sdl

    if args.output == "-":
        sys.stdout.write(sdl())
    else:
        print(f"certledger: wrote {export(Path(args.output) if args.output else SDL_PATH)}", file=sys.stderr)
    return 0


def _who() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="certledger", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the GraphQL API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes (use PostgreSQL for more than one host)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--seed-if-empty", action="store_true",
                       help=f"import {SEED_DOCUMENT.name} first if the store holds no events")
    serve.set_defaults(run=cmd_serve)

    imp = sub.add_parser("import", help="record the decisions in an agenda item text or CSV/TSV list")
    imp.add_argument("path")
    imp.add_argument("--dry-run", action="store_true", help="show what would be recorded; record nothing")
    imp.add_argument("--if-empty", action="store_true", help="import only if the store holds no events")
    imp.add_argument("--corrections", type=Path, help="reviewed corrections (default: <name>.corrections.toml beside it)")
    imp.add_argument("--recorded-by", help="who is recording, recorded as cli:<name> (default: the user)")
    imp.add_argument("--school-year", help="CSV/TSV lists: the school year, e.g. 2026-2027")
    imp.add_argument("--swib-voted-on", help="CSV/TSV lists: date of the SWIB vote (YYYY-MM-DD)")
    imp.add_argument("--sbe-approved-on", help="CSV/TSV lists: date of the SBE approval (YYYY-MM-DD)")
    imp.add_argument("--reference", help="CSV/TSV lists: the SBE agenda item letter, e.g. J")
    imp.set_defaults(run=cmd_import)

    token = sub.add_parser("token", help="manage editors' bearer tokens")
    token_sub = token.add_subparsers(dest="action", required=True)
    create = token_sub.add_parser("create", help="create a token (shown once)")
    create.add_argument("name")
    create.add_argument("--role", default="editor", choices=["editor", "reader"])
    revoke = token_sub.add_parser("revoke", help="revoke a token")
    revoke.add_argument("name")
    token_sub.add_parser("list", help="list tokens (names and roles, never secrets)")
    token.set_defaults(run=cmd_token)

    rebuild = sub.add_parser("rebuild", help="rebuild the read model from the first event")
    rebuild.set_defaults(run=cmd_rebuild)

    export = sub.add_parser("export-schema", help="write the GraphQL SDL (to the project's schema.graphql)")
    export.add_argument("--output", help="another file to write, or - for standard output")
    export.set_defaults(run=cmd_export_schema)
    return p


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    args = parser().parse_args(argv)
    return int(args.run(args, Settings.from_env()))


if __name__ == "__main__":
    sys.exit(main())
