from .accounts import ApiToken, PasswordHistory
from .audit import AppendOnlyError, AuditLog
from .calendar import CalendarDay, CalendarSource, CalendarVersion, CalendarYear
from .clock import Clock, ClockFace, ClockQuerySet, ClockState, LimitUnit, PauseReason, Rung, TimeLimitRule
from .documents import Document, DocumentCounter, DocumentFile, ImmutableDocumentError
from .events import Event, Notification
from .exports import ExportJob
from .gaming import GamingFinding, GamingRule, GamingRun
from .jobs import BackgroundJob
from .org import ADMIN_ROLES, BUSINESS_ROLES, DIVISION_LEVEL, GRANTABLE_ROLES, Rank, Region, Role, Section, Unit, User

__all__ = [
    "ADMIN_ROLES", "BUSINESS_ROLES", "DIVISION_LEVEL", "Rank", "ApiToken", "BackgroundJob", "AppendOnlyError", "AuditLog", "CalendarDay", "CalendarSource",
    "CalendarVersion", "CalendarYear", "Clock", "ClockFace", "Document", "DocumentCounter", "DocumentFile",
    "ImmutableDocumentError", "ClockState", "Event", "ExportJob", "GamingFinding", "GamingRule", "GamingRun", "GRANTABLE_ROLES", "LimitUnit", "Notification",
    "PasswordHistory", "PauseReason", "Region", "Role", "Rung", "Section", "TimeLimitRule", "Unit", "User",
]
