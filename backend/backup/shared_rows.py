"""Which rows of the shared schemas are one office's own, and so go into its backup.

An office's own rows are those its code owns: its registry row, its findings as the bank holds
them, the reports up it wrote (with its parent's decision on them), the indicator systems it
published, a province's calendar of reports up, round terms, warning thresholds, quantity kinds
and taxonomy additions. Rows of *other* offices that name it are theirs, not its: its children's
reports up to it, a restriction it imposed on a lower office's unit is the lower office's (its
unit), and they go into those offices' backups.

Left out on purpose: the bank's counts (derived: restore recounts them from the rows), accounts
and memberships (a user may belong to several offices), the region's organs and what passes
between them (correspondence, clues: restore gives the office its 编办 as provisioning does),
notifications and outbox rows (delivered history), 督办 escalations (they name other offices and
the next supervision run re-derives open ones), problem lists and bulletins (an issuer's list or
issue is addressed to many offices and names their organs), and the register of former codes.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenants.naming import check_code


@dataclass(frozen=True)
class SharedRows:
    """The office's rows of one shared table: `owned` is an SQL condition on the table's columns,
    `{code}` standing for the office's code; `since` the archive format that first held them."""

    schema: str
    table: str
    owned: str
    since: int = 1

    @property
    def name(self) -> str:
        return f"{self.schema}.{self.table}"

    def where(self, code: str) -> str:
        return "WHERE " + self.owned.format(code=f"'{check_code(code)}'")


def _keyed(schema: str, table: str, column: str, since: int = 1) -> SharedRows:
    return SharedRows(schema, table, f'"{column}" = {{code}}', since)


REGISTRY = _keyed("tenancy", "tenant", "code")

# Loaded in this order after the office's schema (parents before children), deleted in reverse.
SHARED_ROWS = (
    _keyed("problem_bank", "problem", "tenant_code"),
    _keyed("supervision", "reminder", "tenant_code"),
    _keyed("supervision", "answer_due", "tenant_code"),
    _keyed("problem_bank", "unit", "tenant_code", since=2),  # projected with each unit; restore does not re-project
    _keyed("problem_bank", "month_end", "tenant_code", since=2),  # a month's figures as they stood then
    _keyed("problem_bank", "quantity_kind", "province_code", since=2),
    _keyed("problem_bank", "taxonomy_node", "province_code", since=2),
    _keyed("evaluation", "indicator_system", "owner_code", since=2),
    SharedRows("evaluation", "indicator", "system_id IN (SELECT id FROM evaluation.indicator_system WHERE owner_code = {code})", since=2),
    _keyed("supervision", "report_up", "tenant_code", since=2),
    _keyed("supervision", "report_up_reminder", "tenant_code", since=2),
    _keyed("supervision", "annual_collection", "tenant_code", since=2),
    _keyed("supervision", "report_calendar", "province_code", since=2),
    _keyed("supervision", "round_terms", "province_code", since=2),
    _keyed("supervision", "warning_threshold", "province_code", since=2),
    _keyed("supervision", "unit_restriction", "tenant_code", since=2),  # on the office's units, by it or an ancestor
    _keyed("notify", "webhook", "tenant_code", since=2),  # its secret sealed: usable only under the same secret key
)


def held_in(format_version: int) -> list[SharedRows]:
    """The shared rows an archive of `format_version` holds, in loading order."""
    return [rows for rows in SHARED_ROWS if rows.since <= format_version]
