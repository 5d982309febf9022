"""The API's resources and request bodies as pydantic models: what validates requests is what the OpenAPI shows."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Item = TypeVar("Item")
CURSOR = r"^[0-9]{1,17}_[0-9]{1,10}$"  # microseconds since 1970 (up to the year 5138) and a row id


class Strict(BaseModel):
    """A request body: unknown fields are refused, so a typo is an error and not silently ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ListQuery(Strict):
    """Query parameters of every list: incremental sync by `updated_since`, then keyset pages by `cursor`."""

    updated_since: AwareDatetime | None = Field(
        None, description="Only rows changed at or after this moment (RFC 3339 with a time zone).")
    cursor: str | None = Field(None, pattern=CURSOR, description="`next_cursor` of the previous page (opaque).")
    limit: int = Field(100, ge=1, le=500, description="Rows per page.")


class Page(BaseModel, Generic[Item]):
    """One page of a list, oldest change first."""

    data: list[Item]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class Trainee(BaseModel):
    """A trainee's account as a personnel system needs it."""

    id: int
    email: str
    name: str
    badge_number: str | None
    active: bool
    created_at: datetime
    updated_at: datetime


class Cohort(BaseModel):
    """A cohort; `updated_at` also moves when a trainee joins or leaves it."""

    id: int
    name: str
    description: str
    starts_on: date
    due_on: date | None
    created_at: datetime
    updated_at: datetime
    member_count: int


class Member(BaseModel):
    """A trainee's membership of a cohort."""

    trainee_id: int
    joined_at: datetime


class ModuleStanding(BaseModel):
    """Where a trainee stands in one module of the live course."""

    slug: str
    title: str
    status: Literal["not_started", "in_progress", "completed"]
    lessons_done: int
    lessons_total: int
    quiz_attempts: int
    quiz_best_score: float | None
    quiz_passed: bool
    scenario_required: bool
    scenario_passed: bool


class Progress(BaseModel):
    """A trainee's progress in the live course; `updated_at` is their latest learning activity."""

    trainee_id: int
    content_version_id: int
    updated_at: datetime
    percent: int
    complete: bool
    exam_passed: bool | None = Field(description="Null when the course has no final exam.")
    modules: list[ModuleStanding]


class Attempt(BaseModel):
    """A quiz or exam attempt, summarised: never the questions, the answers given or the answer key."""

    id: int
    trainee_id: int
    module_slug: str
    purpose: Literal["quiz", "exam", "practice", "pretest"]
    number: int
    status: Literal["in_progress", "submitted"]
    started_at: datetime
    submitted_at: datetime | None
    late: bool
    score: float | None
    passed: bool | None
    pass_mark: int
    language: str  # the content language its questions were shown in ("en", "ko"), kept for good
    updated_at: datetime


class CertificateModule(BaseModel):
    """A module as recorded on a certificate."""

    slug: str
    title: str
    score: float | None = None


class Certificate(BaseModel):
    """A certificate and its status now; `updated_at` also moves when it expires."""

    serial: str
    trainee_id: int
    sequence: int
    status: Literal["valid", "expired", "revoked", "superseded"]
    course_title: str
    recipient_name: str
    credit_hours: float | None
    issued_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    revocation_reason: str | None
    superseded_by: str | None = Field(description="Serial of the certificate that replaced this one.")
    modules: list[CertificateModule]
    updated_at: datetime


class CourseModule(BaseModel):
    """A module of a content version."""

    slug: str
    title: str
    position: int
    minutes: int


class CourseVersion(BaseModel):
    """One published state of the course."""

    id: int
    content_hash: str
    title: str
    is_live: bool
    synced_at: datetime
    validity_months: int | None
    credit_hours: float | None
    has_final_exam: bool


class Course(BaseModel):
    """The live course with its modules, and every published version."""

    live: CourseVersion | None
    modules: list[CourseModule]
    versions: list[CourseVersion]


class NewTrainee(Strict):
    """A new trainee account, created in a cohort (which may then issue its set-password links)."""

    cohort_id: int = Field(ge=1, le=2**31 - 1)
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    badge_number: str | None = Field(None, max_length=40)


class NewMember(Strict):
    """Someone to enrol: a new account joins at once; an existing trainee is invited and joins on accepting."""

    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    badge_number: str | None = Field(None, max_length=40)


class Enrolment(BaseModel):
    """What enrolling someone did."""

    outcome: Literal["created", "invited", "already_invited", "already_member"]
    message: str
    trainee: Trainee | None = Field(description="Null when an existing account was only invited.")


class CohortChange(Strict):
    """The cohort's due date (null: none)."""

    due_on: date | None


class MemberDueDate(Strict):
    """A trainee's own due date in a cohort (an extension; null: follow the cohort's again), and why."""

    due_on: date | None
    reason: str = Field(min_length=1, max_length=500, description="Kept in the audit log, as on the trainee's record.")


class MemberDue(BaseModel):
    """A trainee's due dates in a cohort."""

    cohort_id: int
    trainee_id: int
    due_on: date | None = Field(description="The trainee's own due date (an extension), if any.")
    effective_due_on: date | None = Field(description="The date that applies: their own, else the cohort's.")


class FieldError(BaseModel):
    """What is wrong with one field."""

    field: str
    message: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    errors: list[FieldError] | None = None


class TraineePage(Page[Trainee]):
    """A page of trainees."""


class CohortPage(Page[Cohort]):
    """A page of cohorts."""


class MemberPage(Page[Member]):
    """A page of a cohort's members."""


class ProgressPage(Page[Progress]):
    """A page of trainees' progress."""


class AttemptPage(Page[Attempt]):
    """A page of attempt summaries."""


class CertificatePage(Page[Certificate]):
    """A page of certificates."""
