"""Every name the system knows of a publisher's subtree, for a bulletin's mask table
(problem_bank.deidentify): the offices below the publisher, the units of the publisher and of
every office below it (with their credit codes), the finding codes its texts quote, and the
persons: users' display names, and the persons the subtree's records name — responsible persons
of problems and drafts, leaders under review, the leaders, deciders and attendees of
accountability cases, the leaders of rectification tasks, the recipients of 函告."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from backend.identity.models import Membership, UserAccount
from problem_bank.deidentify import Known, KnownUnit
from problem_bank.models import BankUnit, Problem
from tenants.access import Place
from tenants.models import Tenant
from tenants.registry import in_subtree
from tenants.scoping import across_schemas

# Where a tenant schema names persons (one SELECT over them, for each schema of the subtree).
PERSONS_TEMPLATE = " UNION ALL ".join(
    f"SELECT {name} AS name FROM {{schema}}.{table}"
    for table, name in (
        ("ledger_entry", "responsible_person"),
        ("finding_draft", "responsible_person"),
        ("leader", "name"),
        ("accountability_case", "leader_name"),
        ("case_measure", "decided_by"),
        ("case_measure", "jsonb_array_elements_text(attendees)"),
        ("rectification_task", "responsible_leader"),
        ("discipline_letter", "recipient_name"),
    )
)
_CODE_TOKEN = re.compile(r"[A-Za-z0-9_-]{2,32}")


async def known_names(connection: AsyncConnection, publisher: Place, texts: Iterable[str]) -> Known:
    """What `publisher`'s subtree knows by name (five statements, whatever the subtree's size)."""
    subtree = in_subtree(publisher, province=Tenant.province_code, city=Tenant.city_code, code=Tenant.code)
    offices = (await connection.execute(select(Tenant.code, Tenant.name, Tenant.level).where(subtree))).all()
    units = (
        await connection.execute(
            select(BankUnit.name, BankUnit.unit_type, BankUnit.credit_code, Tenant.name.label("office_name"), Tenant.level)
            .join(Tenant, Tenant.code == BankUnit.tenant_code)
            .where(subtree)
        )
    ).all()
    tokens = sorted({token for content in texts for token in _CODE_TOKEN.findall(content)})
    finding_codes = (
        await connection.execute(
            select(Problem.finding_code).where(
                Problem.finding_code.in_(tokens),
                in_subtree(publisher, province=Problem.province_code, city=Problem.city_code, code=Problem.tenant_code),
            )
        )
    ).scalars()
    users = (
        await connection.execute(
            select(UserAccount.display_name)
            .join(Membership, Membership.user_id == UserAccount.id)
            .where(Membership.tenant_code.in_([office.code for office in offices]))
        )
    ).scalars()
    named = across_schemas(PERSONS_TEMPLATE, [office.code for office in offices])
    recorded = (await connection.execute(text(f"SELECT DISTINCT name FROM ({named}) AS named WHERE name IS NOT NULL"))).scalars()
    return Known(
        offices=[(office.name, office.level) for office in offices if office.code != publisher.code],
        units=[KnownUnit(unit.name, unit.unit_type, unit.office_name, unit.level) for unit in units],
        persons={*users, *recorded},
        codes={*(unit.credit_code for unit in units), *finding_codes},
    )
