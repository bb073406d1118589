"""A command's outcome by its id: what a client asks after a 202 or a 503."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from api.deps import AccountPath, AccountViewer, IdPath, ViewsDep
from api.errors import NOT_FOUND, READS
from api.models import CommandOut
from api.services.command_outcome import decided

router = APIRouter(prefix="/accounts/{account}/commands", tags=["commands"])


@router.get("/{command_id}", response_model=CommandOut, responses={**READS, 404: NOT_FOUND})
def command(account: AccountPath, command_id: IdPath, views: ViewsDep, _: AccountViewer) -> CommandOut:
    """The outcome of a command the ledger has seen (``status`` accepted or rejected, with the reason),
    or 404 if it has not (yet): after a 503, retry the command with the same id."""
    seen = views.seen(command_id)
    if seen is None or seen.account != account:
        raise HTTPException(404, f"no command {command_id!r} of account {account!r} has reached the "
                                 "ledger (or it is too old to be remembered); if it was not confirmed, "
                                 "send it again with the same id")
    return decided(command_id, seen.events)[1]
