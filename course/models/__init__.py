"""The data model, one module per aggregate."""

from course.models.api import ApiScope, ApiToken, IdempotencyRecord
from course.models.audit import AuditEvent
from course.models.base import Model, utcnow
from course.models.care import ModulePause
from course.models.catalogue import ContentVersion, Lesson, Module, Question
from course.models.certificates import Certificate, CertificateStatus
from course.models.cohorts import Cohort, CohortInvitation, CohortMember, CohortTrainer, MemberExemption
from course.models.identities import UserIdentity
from course.models.lti import LtiContext, LtiGradeTarget, LtiIdentity, LtiLaunchValue, LtiPlatform, LtiScore
from course.models.notices import CalendarFeed, Notice, NoticeKind, NoticeStatus
from course.models.outbox import MessageKind, MessageStatus, OutboxMessage, WebhookEndpoint
from course.models.progress import (
    AttemptItem,
    AttemptPurpose,
    AttemptStatus,
    ExamUnlock,
    LessonProgress,
    QuizAttempt,
    ScenarioRun,
)
from course.models.settings import Setting
from course.models.standings import CohortModuleTotal, CohortTotals, ModuleStanding, TraineeStanding
from course.models.users import UNUSABLE_PASSWORD, PasswordToken, Role, User

__all__ = [
    "ApiScope", "ApiToken", "IdempotencyRecord",
    "UNUSABLE_PASSWORD", "AttemptItem", "AttemptPurpose", "AttemptStatus", "AuditEvent", "CalendarFeed", "Certificate",
    "CertificateStatus", "Cohort", "CohortInvitation", "CohortMember", "CohortTrainer", "ContentVersion", "ExamUnlock",
    "Lesson", "LessonProgress", "LtiContext", "LtiGradeTarget", "LtiIdentity", "LtiLaunchValue", "LtiPlatform",
    "LtiScore", "MemberExemption", "MessageKind", "MessageStatus",
    "Model", "Module", "ModulePause", "ModuleStanding", "TraineeStanding", "CohortModuleTotal", "CohortTotals",
    "Notice", "NoticeKind", "NoticeStatus", "OutboxMessage", "PasswordToken",
    "Question", "QuizAttempt", "Role", "ScenarioRun", "Setting", "User", "UserIdentity", "WebhookEndpoint", "utcnow",
]
