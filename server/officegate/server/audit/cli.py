"""``officegate audit verify``: check the audit log's hash chain."""

from __future__ import annotations

import typer

from officegate.cli import console, err

audit_app = typer.Typer(help="The audit log of staff and admin actions.", no_args_is_help=True)


@audit_app.command("verify")
def verify() -> None:
    """Verify the audit log's hash chain; exit 1 and name the first broken entry if it
    does not hold (settings from OFFICEGATE_* / DATABASE_URL)."""
    from officegate.server.audit.service import check_chain
    from officegate.server.bootstrap import database_session
    from officegate.server.settings import Settings

    with database_session(Settings()) as db:
        verdict = check_chain(db)
    if verdict.ok:
        console.print(f"audit log ok: {verdict.checked} entries verified")
        return
    err.print(f"[red]audit log broken at entry {verdict.broken_id}: {verdict.reason} "
              f"({verdict.checked} entries verified before it)[/red]")
    raise typer.Exit(1)
