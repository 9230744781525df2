"""The policy's pure rules, table-driven: reads, writes, child creation, member management,
for mixed grants, liaisons, auditors, API-token scopes and a county directly under a province."""

import pytest

from tenants.access import (
    Grant,
    Place,
    Principal,
    Role,
    Scope,
    Seat,
    can_read,
    require_child_creation,
    require_membership_management,
    require_subtree_read,
    require_write,
)
from tenants.divisions import Level
from tenants.errors import DomainError

HUNAN = Place("430000", Level.PROVINCE, None, "430000", None)
LOUDI = Place("431300", Level.CITY, "430000", "430000", "431300")
SHUANGFENG = Place("431321", Level.COUNTY, "431300", "430000", "431300")
XINHUA = Place("431322", Level.COUNTY, "431300", "430000", "431300")
DIRECT_COUNTY = Place("439001", Level.COUNTY, "430000", "430000", None)  # 省直管县
SHANGHAI = Place("310000", Level.PROVINCE, None, "310000", None)
BAOSHAN = Place("310113", Level.COUNTY, "310000", "310000", None)


def someone(*grants: tuple[Place, Role, int | None], scopes=frozenset(Scope), user_id: int = 1) -> Principal:
    return Principal(user_id, "someone", False, tuple(Grant(p, r, u) for p, r, u in grants), frozenset(scopes))


def refusal(call) -> str | None:
    try:
        call()
    except DomainError as error:
        return error.code
    return None


@pytest.mark.parametrize(
    ("principal", "place", "readable"),
    [
        (someone((HUNAN, Role.AUDITOR, None)), DIRECT_COUNTY, True),
        (someone((LOUDI, Role.INSPECTOR, None)), DIRECT_COUNTY, False),
        (someone((LOUDI, Role.INSPECTOR, None)), HUNAN, False),
        (someone((SHUANGFENG, Role.ADMIN, None)), XINHUA, False),
        (someone((SHANGHAI, Role.REVIEWER, None)), BAOSHAN, True),
        (someone((SHUANGFENG, Role.LIAISON, 7)), SHUANGFENG, True),
        (someone((LOUDI, Role.LIAISON, 7)), SHUANGFENG, False),
        (someone((LOUDI, Role.LIAISON, 7), (XINHUA, Role.INSPECTOR, None)), XINHUA, True),
    ],
)
def test_reads(principal, place, readable):
    assert can_read(principal, place) is readable


def test_a_liaison_sees_its_tenant_but_not_the_offices_below():
    liaison = someone((LOUDI, Role.LIAISON, 7))
    assert refusal(lambda: require_subtree_read(liaison, LOUDI)) == "FORBIDDEN"
    both = someone((LOUDI, Role.LIAISON, 7), (LOUDI, Role.AUDITOR, None))
    assert refusal(lambda: require_subtree_read(both, LOUDI)) is None


@pytest.mark.parametrize(
    ("principal", "place", "roles", "code"),
    [
        (someone((SHUANGFENG, Role.INSPECTOR, None)), SHUANGFENG, {Role.INSPECTOR}, None),
        (someone((SHUANGFENG, Role.AUDITOR, None)), SHUANGFENG, {Role.INSPECTOR, Role.AUDITOR}, "FORBIDDEN"),
        (someone((LOUDI, Role.ADMIN, None)), SHUANGFENG, {Role.INSPECTOR, Role.ADMIN}, "FORBIDDEN"),  # never a child's ledger
        (someone((HUNAN, Role.INSPECTOR, None)), LOUDI, {Role.INSPECTOR}, "FORBIDDEN"),
        (someone((SHUANGFENG, Role.INSPECTOR, None)), XINHUA, {Role.INSPECTOR}, "NOT_FOUND"),
        (someone((SHUANGFENG, Role.INSPECTOR, None)), LOUDI, {Role.INSPECTOR}, "NOT_FOUND"),  # no reading up
        (someone((SHUANGFENG, Role.INSPECTOR, None), scopes={Scope.READ}), SHUANGFENG, {Role.INSPECTOR}, "FORBIDDEN"),
    ],
)
def test_writes(principal, place, roles, code):
    assert refusal(lambda: require_write(principal, place, frozenset(roles))) == code


@pytest.mark.parametrize(
    ("principal", "parent", "code"),
    [
        (someone((HUNAN, Role.ADMIN, None)), HUNAN, None),
        (someone((HUNAN, Role.ADMIN, None)), LOUDI, "FORBIDDEN"),  # only the direct parent opens
        (someone((LOUDI, Role.ADMIN, None)), LOUDI, None),
        (someone((LOUDI, Role.INSPECTOR, None)), LOUDI, "FORBIDDEN"),
        (someone((LOUDI, Role.ADMIN, None)), HUNAN, "NOT_FOUND"),
        (someone((HUNAN, Role.ADMIN, None)), None, "FORBIDDEN"),  # provinces: the platform only
    ],
)
def test_child_creation(principal, parent, code):
    assert refusal(lambda: require_child_creation(principal, parent)) == code


@pytest.mark.parametrize(
    ("principal", "place", "role", "user_id", "code"),
    [
        (someone((SHUANGFENG, Role.ADMIN, None)), SHUANGFENG, Role.INSPECTOR, 2, None),
        (someone((LOUDI, Role.ADMIN, None)), SHUANGFENG, Role.ADMIN, 2, None),
        (someone((LOUDI, Role.ADMIN, None)), SHUANGFENG, Role.ADMIN, None, None),  # a new user
        (someone((LOUDI, Role.ADMIN, None)), SHUANGFENG, Role.INSPECTOR, 2, "FORBIDDEN"),
        (someone((LOUDI, Role.ADMIN, None), user_id=2), SHUANGFENG, Role.ADMIN, 2, "FORBIDDEN"),  # not itself
        (someone((HUNAN, Role.ADMIN, None)), SHUANGFENG, Role.ADMIN, 2, "FORBIDDEN"),  # not a grandchild
        (someone((HUNAN, Role.ADMIN, None)), DIRECT_COUNTY, Role.ADMIN, 2, None),
        (someone((SHUANGFENG, Role.ADMIN, None)), XINHUA, Role.ADMIN, 2, "NOT_FOUND"),
        (someone((SHUANGFENG, Role.AUDITOR, None)), SHUANGFENG, Role.INSPECTOR, 2, "FORBIDDEN"),
    ],
)
def test_membership_management(principal, place, role, user_id, code):
    seat = Seat(place, organ_id=1, in_office=True)
    assert refusal(lambda: require_membership_management(principal, seat, role, user_id)) == code
