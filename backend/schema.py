"""The strawberry schema: every domain's queries and mutations merged into one, behind the
edge limits (depth, aliases, tokens, introspection) and error masking."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from backend import tracing
from backend.acceptance.types import AcceptanceMutation, AcceptanceQuery
from backend.accountability.types import AccountabilityMutation, AccountabilityQuery
from backend.annual_reports.types import AnnualReportMutation, AnnualReportQuery
from backend.audit.reads import RecordReads
from backend.audit.types import AuditQuery
from backend.bank.trends import TrendQuery
from backend.bank.types import BankMutation, BankQuery
from backend.bulletins.types import BulletinMutation, BulletinQuery
from backend.checklists.types import ChecklistMutation, ChecklistQuery
from backend.clues.types import ClueMutation, ClueQuery
from backend.completion import CompiledCompletion
from backend.correspondence.types import CorrespondenceMutation, CorrespondenceQuery
from backend.cost import cost_rule
from backend.directory.types import DirectoryMutation, DirectoryQuery
from backend.drafts.types import DraftMutation, DraftQuery
from backend.errors import DomainErrors
from backend.evaluation.types import EvaluationMutation, EvaluationQuery
from backend.feedback.types import FeedbackMutation, FeedbackQuery
from backend.findings.types import FindingMutation, FindingQuery
from backend.followup.types import FollowUpMutation, FollowUpQuery
from backend.identity.types import IdentityMutation, IdentityQuery
from backend.inspection_report.types import InspectionReportMutation, InspectionReportQuery
from backend.ledger.mutations import LedgerMutation
from backend.letters.types import LetterMutation, LetterQuery
from backend.logs import GraphQLRequestLog
from backend.markings.types import MarkingMutation
from backend.notifications.types import NotificationMutation, NotificationQuery, NotificationSubscription
from backend.organs.figures import OrganWorkQuery
from backend.organs.types import OrganMutation, OrganQuery
from backend.permissions import declared_costs
from backend.persisted import PersistedOperations
from backend.plans.types import PlanMutation, PlanQuery
from backend.problem_lists.types import ProblemListMutation, ProblemListQuery
from backend.publicity.types import PublicNoticeMutation, PublicNoticeQuery
from backend.quantities.types import QuantityMutation, QuantityQuery
from backend.reporting.types import ReportUpMutation, ReportUpQuery
from backend.reports.types import ReportMutation, ReportQuery
from backend.reports_12310.types import Report12310Mutation, Report12310Query
from backend.reviews.types import ReviewMutation, ReviewQuery
from backend.rounds.types import RoundMutation, RoundQuery
from backend.scalars import PLAUSIBLE_DATE
from backend.settings import EdgeLimits
from backend.supervision.types import SupervisionMutation, SupervisionQuery
from backend.units.types import UnitMutation, UnitQuery
from backend.warnings.mutations import WarningMutation
from backend.warnings.plan import StaffingPlanQuery
from backend.warnings.types import WarningQuery
from backend.year_statistics.types import YearStatisticsQuery
from graphql import GraphQLError
from tenants.errors import DomainError

Query = merge_types(
    "Query",
    (
        IdentityQuery,
        OrganQuery,
        CorrespondenceQuery,
        ClueQuery,
        OrganWorkQuery,
        DirectoryQuery,
        AuditQuery,
        ReportUpQuery,
        ChecklistQuery,
        UnitQuery,
        RoundQuery,
        DraftQuery,
        FeedbackQuery,
        PlanQuery,
        ReportQuery,
        AcceptanceQuery,
        FollowUpQuery,
        InspectionReportQuery,
        PublicNoticeQuery,
        FindingQuery,
        BankQuery,
        TrendQuery,
        QuantityQuery,
        ProblemListQuery,
        NotificationQuery,
        SupervisionQuery,
        LetterQuery,
        Report12310Query,
        ReviewQuery,
        AccountabilityQuery,
        BulletinQuery,
        WarningQuery,
        EvaluationQuery,
        YearStatisticsQuery,
        AnnualReportQuery,
        StaffingPlanQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        IdentityMutation,
        OrganMutation,
        CorrespondenceMutation,
        ClueMutation,
        DirectoryMutation,
        UnitMutation,
        RoundMutation,
        DraftMutation,
        FeedbackMutation,
        PlanMutation,
        ReportMutation,
        AcceptanceMutation,
        FollowUpMutation,
        InspectionReportMutation,
        PublicNoticeMutation,
        FindingMutation,
        LedgerMutation,
        BankMutation,
        QuantityMutation,
        ProblemListMutation,
        NotificationMutation,
        SupervisionMutation,
        LetterMutation,
        Report12310Mutation,
        ReviewMutation,
        AccountabilityMutation,
        BulletinMutation,
        WarningMutation,
        EvaluationMutation,
        AnnualReportMutation,
        MarkingMutation,
        ReportUpMutation,
        ChecklistMutation,
    ),
)

Subscription = merge_types("Subscription", (NotificationSubscription,))


def is_unexpected(error: GraphQLError) -> bool:
    """An exception from a resolver without a stable code (a bug, SQL text): masked in
    production. Errors we raise on purpose carry a code; syntax and validation errors, and a
    variable's value the schema refuses (wrapped GraphQLErrors), are about the request itself
    and stay readable."""
    original = error.original_error
    return original is not None and not isinstance(original, GraphQLError) and "code" not in (error.extensions or {})


def shape_rules(edge: EdgeLimits) -> list:
    """The depth, alias and cost validation rules, built once. The validation cache is keyed by
    the rule classes too, so limiter extensions built per request (each making its own rule
    class) would make every request miss it."""
    return [
        *QueryDepthLimiter(max_depth=edge.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=edge.max_aliases).validation_rules,
        cost_rule(declared_costs(Query, Mutation), edge.max_query_cost),
    ]


class Schema(strawberry.Schema):
    """Strawberry's schema, which in production answers no "Did you mean …?" (a field, an
    argument, a type or an enum value): suggestions map the schema for a caller who may not
    read it (strawberry's own setting strips only suggested fields)."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Refusals and bad input are the request's log line (backend/logs.py); only unexpected
        errors are logged, with their traceback."""
        if self.config.disable_field_suggestions:
            for error in errors:
                error.message = SUGGESTION.sub("", error.message)
        unexpected = [error for error in errors if is_unexpected(error) and not isinstance(error.original_error, DomainError)]
        super().process_errors(unexpected, execution_context)


SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def build_schema(*, production: bool, edge: EdgeLimits, tracer_provider: tracing.TracerProvider | None = None) -> strawberry.Schema:
    # Classes or factories, not instances: an extension instance is shared by concurrent requests.
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = [
        functools.partial(PersistedOperations, persisted_only=edge.persisted_only),  # first: the others see the document it runs
        functools.partial(MaxTokensLimiter, max_token_count=edge.max_tokens),
        ParserCache,
        functools.partial(AddValidationRules, shape_rules(edge)),
        ValidationCache,
        DomainErrors,
        RecordReads,
        GraphQLRequestLog,
    ]
    if not edge.introspection:
        extensions.append(DisableIntrospection)
    if production:
        extensions.append(functools.partial(MaskErrors, should_mask_error=is_unexpected, error_message="服务器内部错误"))
    if tracer_provider is not None:
        extensions.append(tracing.graphql_extension(tracer_provider))
    return Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=production),
        scalar_overrides={date: PLAUSIBLE_DATE},
        execution_context_class=CompiledCompletion,
    )


# The contract (SDL) is the same in every mode; the app builds its own with its settings.
schema = build_schema(production=False, edge=EdgeLimits())
