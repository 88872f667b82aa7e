"""Data problems as values: one record per rejected applicant and rule, never an exception."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One reason an applicant (a spreadsheet row) cannot go forward.

    ``rule`` is a stable kebab-case code (``band-out-of-range``); ``message`` is written so a
    coordinator can forward it to the applicant; ``row`` is the spreadsheet row (header = 1).
    """

    row: int
    column: str
    value: str
    rule: str
    message: str


# Stable rule codes used by the core (rule files may add their own for eligibility conditions).
AFTER_DEADLINE = "after-deadline"
DUPLICATE = "duplicate-submission"
EMAIL_MISSING = "email-missing"
ROLE_UNKNOWN = "role-unknown"
ORGANISATION_NOT_IN_PROGRAMME = "organisation-not-in-programme"
GRADE_NEEDS_REVIEW = "grade-needs-review"
VALUE_UNREADABLE = "value-unreadable"
SUBMITTED_UNREADABLE = "submission-time-unreadable"
NOT_A_MEMBER = "not-a-member"
ANSWER_NOT_RECOGNISED = "answer-not-recognised"
EMAIL_NEEDS_REVIEW = "email-needs-review"
# An answer a vocabulary recognises but where the programme text is genuinely open (a nursing
# associate against "nurses", a consultant against "Band 8a or above"): the reason names the question.
QUESTION_FOR_COORDINATOR = "question-for-coordinator"

# Codes that send an application to the coordinator's review rather than reject it: nothing the
# applicant said fails a rule; the tool could not read or recognise an answer.
REVIEW = frozenset(
    {
        GRADE_NEEDS_REVIEW,
        SUBMITTED_UNREADABLE,
        VALUE_UNREADABLE,
        ANSWER_NOT_RECOGNISED,
        EMAIL_NEEDS_REVIEW,
        QUESTION_FOR_COORDINATOR,
    }
)
