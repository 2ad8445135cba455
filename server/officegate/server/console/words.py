"""Words the staff pages translate from data: alarm kinds and severities, states, roles,
weekdays, decision reasons, form errors. A template says ``_(value)``, which Babel cannot
extract, so each such message id is marked here once for the catalogs (docs/i18n.md)."""

from __future__ import annotations


def _(message: str) -> str:
    """Marks ``message`` for extraction; translated where it is shown."""
    return message


WORDS: tuple[str, ...] = (
    # alarm kinds and severities
    _("Door forced open"), _("Same code at two doors"), _("Door held open"),
    _("Entered twice without leaving"), _("Device offline too long"), _("Site lockdown"),
    _("Emergency unlock"), _("Device back online"), _("Door mode changed"),
    _("Door closed again"), _("critical"), _("warning"), _("info"), _("Acknowledged"),
    _("on duty"), _("Device alarm"),
    # form errors
    _("Not a time: use the date and time picker."), _("The start is after the end."),
    _("Unreadable cursor: start the search again."),
    # visit, device and room states
    _("arrived"), _("checked out"), _("held"), _("online"), _("offline"), _("unknown"),
    _("normal"),
    _("locked"), _("unlocked"), _("entry"), _("exit"), _("Since"), _("Connection lost; retrying…"),
    _("in_progress"),
    _("booked"), _("ended"), _("free"), _("released"), _("always"), _("Network error"),
    # figures: weekdays, form errors, funnel steps
    _("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"),
    _("Not a day: use the date picker."), _("At most a year at a time."), _("invited"),
    _("pass_opened"), _("approached"), _("checked_in"), _("met"), _("surveyed"),
    # roles
    _("admin"), _("staff"), _("host"),
    # decision reasons (access/labels.py)
    _("Unreadable code"), _("Unknown signing key"), _("Forged pass (bad signature)"),
    _("Not yet valid"), _("Expired"), _("Not allowed at this door"),
    _("Old or missing rotating code"), _("Replayed code"),
)
