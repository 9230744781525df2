"""Every model that lives in a tenant schema, so `TenantBase.metadata` is complete: the test
that compares a migrated tenant schema with the models reads it from here."""

from backend.acceptance.models import Acceptance
from backend.accountability.models import AccountabilityCase, CaseFinding, CaseMeasure
from backend.annual_reports.models import AnnualReport
from backend.audit.models import AuditEvent
from backend.checklists.models import ChecklistItem
from backend.db import TenantBase
from backend.drafts.models import DraftEvent, FindingDraft
from backend.evaluation.models import Evaluation, EvaluationUnit
from backend.evidence.models import EvidenceFile
from backend.feedback.models import RoundFeedback
from backend.findings.models import Finding, ImportJob
from backend.followup.models import FollowUpCheck
from backend.inspection_report.models import ReportText
from backend.ledger.models import EventEvidence, ExtensionRequest, LedgerEntry, LedgerEvent
from backend.letters.models import DisciplineLetter, LetterRead
from backend.numbering import DocumentCounter
from backend.plans.models import PlanEvent, RectificationPlan, RectificationTask
from backend.publicity.models import NoticeEvent, PublicNotice
from backend.reports.models import RectificationReport, ReportEvent, ReportItem
from backend.reports_12310.models import Report12310, Report12310Event
from backend.reviews.models import Leader, LeaderReview, ReviewProblem, ReviewStage
from backend.rounds.models import InspectionRound, RoundMember, RoundUnit, SelfCheck
from backend.staff.models import StaffRecord
from backend.units.models import InspectedUnit
from backend.warnings.models import StaffingWarning

__all__ = [
    "Acceptance",
    "AccountabilityCase",
    "AnnualReport",
    "AuditEvent",
    "CaseFinding",
    "CaseMeasure",
    "ChecklistItem",
    "DisciplineLetter",
    "DocumentCounter",
    "DraftEvent",
    "Evaluation",
    "EvaluationUnit",
    "EventEvidence",
    "EvidenceFile",
    "ExtensionRequest",
    "Finding",
    "FindingDraft",
    "FollowUpCheck",
    "ImportJob",
    "InspectedUnit",
    "InspectionRound",
    "Leader",
    "LeaderReview",
    "LedgerEntry",
    "LedgerEvent",
    "LetterRead",
    "NoticeEvent",
    "PlanEvent",
    "PublicNotice",
    "RectificationPlan",
    "RectificationReport",
    "RectificationTask",
    "Report12310",
    "Report12310Event",
    "ReportEvent",
    "ReportItem",
    "ReportText",
    "ReviewProblem",
    "ReviewStage",
    "RoundFeedback",
    "RoundMember",
    "RoundUnit",
    "SelfCheck",
    "StaffRecord",
    "StaffingWarning",
    "TenantBase",
]
