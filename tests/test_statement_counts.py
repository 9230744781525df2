"""N+1 guard: the SQL statements of a typical request do not grow with the page size."""

from tests.helpers import create_all, statements_for
from tests.identity import Api, add_user, token_for


async def test_directory_and_me_cost_the_same_few_statements_for_any_size(runtime):
    await create_all(runtime, "430000", *[f"43{c:02d}00" for c in range(1, 14)])
    few = await token_for(runtime, await add_user(runtime, "few", ("430000", "admin", None)))
    many = await token_for(
        runtime, await add_user(runtime, "many", *[(f"43{c:02d}00", role, None) for c in range(1, 14) for role in ("admin", "reviewer")])
    )
    async with Api(runtime) as api:
        small = await statements_for(runtime, api, '{ tenants(parentCode: "430000", first: 2) { items { code name } } }', few)
        large = await statements_for(runtime, api, '{ tenants(parentCode: "430000", first: 13) { items { code name } } }', few)
        me_small = await statements_for(runtime, api, "{ me { memberships { role tenant { code name } } } }", few)
        me_large = await statements_for(runtime, api, "{ me { memberships { role tenant { code name } } } }", many)
    assert small == large <= 5
    assert me_small == me_large <= 6
