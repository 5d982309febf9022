"""The data model, one module per aggregate."""

from course.models.audit import AuditEvent
from course.models.base import Model, utcnow
from course.models.catalogue import ContentVersion, Lesson, Module, Question
from course.models.certificates import Certificate
from course.models.progress import AttemptItem, AttemptStatus, LessonProgress, QuizAttempt
from course.models.users import Role, User

__all__ = [
    "AttemptItem", "AttemptStatus", "AuditEvent", "Certificate", "ContentVersion", "Lesson",
    "LessonProgress", "Model", "Module", "Question", "QuizAttempt", "Role", "User", "utcnow",
]
