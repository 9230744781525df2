"""What the problem bank reads of a tenant's tables (problem_bank.projection.TenantSource): the
findings with their ledger entries, units and rounds (a daily-supervision finding has none), and the units. The bank never names a
tenant table itself; the runtime registers this as it opens."""

from __future__ import annotations

from problem_bank.projection import TenantSource

TENANT_SOURCE = TenantSource(
    findings="""
        SELECT f.id AS finding_id, f.code AS finding_code, u.id AS unit_id, u.name AS unit_name, u.unit_type,
               f.round_id, r.kind AS round_kind, f.source, f.taxonomy_code, f.taxonomy_version, f.severity, f.fixed_on_spot,
               l.state, l.deadline, l.closed_at, f.found_on, f.description, l.quantities, f.sensitivity
        FROM {schema}.finding f
        JOIN {schema}.ledger_entry l ON l.finding_id = f.id
        JOIN {schema}.inspected_unit u ON u.id = f.unit_id
        LEFT JOIN {schema}.inspection_round r ON r.id = f.round_id""",
    units="SELECT id AS unit_id, credit_code, name, unit_type FROM {schema}.inspected_unit",
)
