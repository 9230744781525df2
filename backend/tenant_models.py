"""Every model that lives in a tenant schema, so `TenantBase.metadata` is complete: the test
that compares a migrated tenant schema with the models reads it from here."""

from backend.audit.models import AuditEvent
from backend.db import TenantBase
from backend.findings.models import Finding, LedgerEntry
from backend.rounds.models import InspectionRound, RoundMember, RoundUnit, SelfCheck
from backend.units.models import InspectedUnit

__all__ = ["AuditEvent", "Finding", "LedgerEntry", "InspectedUnit", "InspectionRound", "RoundMember", "RoundUnit", "SelfCheck", "TenantBase"]
