"""Every router of the server, mounted in one place (``create_app`` includes them in order)."""

from __future__ import annotations

from fastapi import APIRouter

from officegate.server.access.log_routes import router as access_log
from officegate.server.access.routes import router as access
from officegate.server.alerts.routes import router as alarms
from officegate.server.arrival.routes import router as arrival
from officegate.server.audit.routes import router as audit
from officegate.server.auth.account_routes import router as accounts
from officegate.server.auth.routes import router as auth
from officegate.server.auth.users import router as users
from officegate.server.channels.routes import router as webhooks
from officegate.server.checkin.routes import router as checkin
from officegate.server.console.figure_routes import router as console_figures
from officegate.server.console.records import router as console_records
from officegate.server.console.routes import router as console
from officegate.server.console.settings import router as console_settings
from officegate.server.devices.pages import router as device_pages
from officegate.server.devices.routes import router as devices
from officegate.server.faq.routes import router as faq
from officegate.server.hosts.employee import router as my_passes
from officegate.server.hosts.routes import router as hosts
from officegate.server.i18n.routes import router as languages
from officegate.server.invitations.routes import router as invitations
from officegate.server.keys.routes import router as keys
from officegate.server.meetings.routes import router as meetings
from officegate.server.messaging.chat_routes import router as chat
from officegate.server.messaging.entry_routes import router as entry_chat
from officegate.server.messaging.pages import router as messaging_pages
from officegate.server.messaging.routes import router as inbox
from officegate.server.notify.routes import router as notify
from officegate.server.occupancy.routes import router as occupancy
from officegate.server.onsite.routes import router as onsite
from officegate.server.privacy.routes import router as privacy
from officegate.server.sites.routes import router as sites
from officegate.server.sites.visitor_zones import router as visitor_zones
from officegate.server.vending.routes import router as vending
from officegate.server.vending.visitor_push import router as visitor_push
from officegate.server.visits.routes import router as visits

ROUTERS: tuple[APIRouter, ...] = (
    auth, visits, devices, keys, access, vending, device_pages, sites, visitor_zones,
    meetings, occupancy, arrival, notify, checkin, onsite, visitor_push,
    chat, entry_chat, inbox, messaging_pages, webhooks, faq,
    invitations, hosts, my_passes, languages,  # one invitation path, host pages, switcher
    audit, users, privacy,  # the audit log, user administration, privacy (issue 15)
    console, alarms, access_log, console_records, console_settings, console_figures,
    accounts,  # the staff console
)
