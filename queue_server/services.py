"""The hall's use cases, one class for the routes, the jobs and the CLI.

Each concept has its own module; `HallServices` puts them together over one
runner (store, settings, catalogue, clock, feed):

- `transactions`  the runner: write, group commit, publish after commit
- `hall_admin`    the hall, its policy, hours and windows
- `hall_settings` the hall's name, zone and announcement, 专项服务 sessions, 延时服务
- `devices`       device credentials (one-time links, revocation), heartbeats, printers
- `city`          every hall of the city at a glance
- `issuing`       tickets issued, looked at and cancelled by holders
- `rating`        the visitor's 好差评 of a served ticket (cases: `case_book`)
- `followups`     容缺受理: missing materials, due dates, reminders
- `desk`          the clerk's window actions, and staff cancelling a ticket
- `reports`       queues, the board, figures, snapshots, CSV, alerts and the audit
- `tokens`        device and staff tokens (`HallServices.tokens`)
- `staff`         a hall's staff accounts
- `sessions`      staff signing in and out, and the session as a caller
- `guide`         the 导办 desk: items by pinyin, "how long for X?"
- `green_channels` temporary green channels (专项服务)
- `green_check`   groups an ID number cannot show (现役军人 …), and the clerk's check
- `catalogue_admin` the hall's own settings of catalogue items
- `ticket_record` a number's steps with time, window and 工号, for supervisors
- `case_desk`     差评 and 「办不成事」 cases: the list, a case's record, its moves
- `case_intake`   「办不成事」 reports and the hall's 好差评 settings
- `outbox_log`    what went to the provincial platform and to phones (`outbox_sender` sends)
- `ticket_guides` the 办事指引 of a ticket's item, for its holder's page
- `visit_desk`    送服务上门: home visits listed, scheduled, declined, done as a served ticket
- `staffing_advice` 排班建议: arrivals forecast per half-hour, windows to open
"""

from .case_desk import CaseDesk
from .case_intake import CaseIntake
from .catalogue_admin import CatalogueAdmin
from .city import City
from .desk import Desk
from .devices import Devices
from .followups import Followups
from .green_channels import GreenChannels
from .green_check import DeclaredGroups
from .guide import Guide
from .hall_admin import HallAdmin
from .hall_settings import HallSettings
from .issuing import Issuing
from .outbox_log import OutboxLog
from .rating import Ratings
from .ratings_report import RatingsReport
from .reports import Reports
from .sessions import StaffSessions
from .staff import StaffAccounts
from .staffing_advice import StaffingAdvice
from .ticket_guides import TicketGuides
from .ticket_record import TicketRecord
from .visit_desk import VisitDesk
from .webhook_desk import WebhookDesk


class HallServices(
    HallAdmin,
    Devices,
    HallSettings,
    Issuing,
    Desk,
    Reports,
    StaffAccounts,
    StaffSessions,
    CatalogueAdmin,
    City,
    Guide,
    GreenChannels,
    DeclaredGroups,
    TicketRecord,
    Ratings,
    RatingsReport,
    CaseDesk,
    CaseIntake,
    Followups,
    OutboxLog,
    TicketGuides,
    VisitDesk,
    WebhookDesk,
    StaffingAdvice,
):
    """Every use case of a hall (see the modules above)."""
