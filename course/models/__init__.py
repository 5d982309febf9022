"""The data model, one module per aggregate."""

from course.models.audit import AuditEvent
from course.models.base import Model, utcnow
from course.models.care import ModulePause
from course.models.catalogue import ContentVersion, Lesson, Module, Question
from course.models.certificates import Certificate, CertificateStatus
from course.models.cohorts import Cohort, CohortInvitation, CohortMember, CohortTrainer
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
from course.models.users import UNUSABLE_PASSWORD, PasswordToken, Role, User

__all__ = [
    "UNUSABLE_PASSWORD", "AttemptItem", "AttemptPurpose", "AttemptStatus", "AuditEvent", "Certificate",
    "CertificateStatus", "Cohort", "CohortInvitation", "CohortMember", "CohortTrainer", "ContentVersion", "ExamUnlock",
    "Lesson",
    "LessonProgress",
    "Model", "Module", "ModulePause", "PasswordToken", "Question", "QuizAttempt", "Role", "ScenarioRun", "Setting",
    "User", "utcnow",
]
