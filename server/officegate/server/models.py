"""Every model of the server, imported in one place so the metadata is complete."""

from officegate.server.access.models import AccessEventRecord
from officegate.server.alerts.models import Alert  # noqa: F401  (fleet alerts)
from officegate.server.arrival.models import ArrivalSite, ArrivalTrack  # noqa: F401
from officegate.server.audit.models import AuditEntry, AuditHead  # noqa: F401  (audit log)
from officegate.server.auth.models import ApiToken, Role, User
from officegate.server.auth.sessions import WebSession  # noqa: F401  (logout ends them)
from officegate.server.checkin.models import CheckIn, WatchEntry  # noqa: F401
from officegate.server.db import Base
from officegate.server.devices.models import Device, DeviceHealth  # noqa: F401  (fleet)
from officegate.server.faq.models import FaqEntry  # noqa: F401  (FAQ bot)
from officegate.server.http.counters import RateCounter  # noqa: F401  (throttle)
from officegate.server.keys.models import SigningKeyRecord
from officegate.server.meetings.models import Attendee, CalendarFeed, Meeting, Room  # noqa: F401
from officegate.server.messaging import models as messaging_models  # noqa: F401  (chat)
from officegate.server.notify.models import Notice, NotifyPrefs, NotifyTarget  # noqa: F401
from officegate.server.occupancy.models import RoomEvent  # noqa: F401
from officegate.server.onsite.models import RollCall, RollCallMark  # noqa: F401
from officegate.server.privacy import models as privacy_models  # noqa: F401  (retention)
from officegate.server.provisioning.models import DeviceCredential  # noqa: F401
from officegate.server.sites.models import Site, Zone
from officegate.server.vending import models as vending_models  # noqa: F401  (its tables)
from officegate.server.vending import visitor_push  # noqa: F401  (its table)
from officegate.server.visits.models import Visit, Visitor, VisitorPass

__all__ = [
    "AccessEventRecord", "ApiToken", "Base", "Device", "Role", "Site", "SigningKeyRecord",
    "User", "Visit", "Visitor", "VisitorPass", "Zone",
]
