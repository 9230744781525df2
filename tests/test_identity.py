"""Login, lockout, token rotation and revocation, API tokens, audit, and the GraphQL edge limits."""

import dataclasses
import uuid
from datetime import timedelta

import jwt
import pytest
from sqlalchemy import select, text

from backend.identity.credentials import issue_access_token
from backend.identity.models import AuthEvent
from backend.identity.service import wait_after
from tests.helpers import create_all
from tests.identity import PASSWORD, Api, add_user, error_code, token_for

LOGIN = "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken refreshToken } }"
REFRESH = "mutation($r: String!) { refresh(refreshToken: $r) { accessToken refreshToken } }"
ME = "{ me { username isSuperuser memberships { role tenant { code } } } }"


def with_settings(runtime, **changes):
    return dataclasses.replace(runtime, settings=dataclasses.replace(runtime.settings, **changes))


def with_edge(runtime, **changes):
    return with_settings(runtime, edge=dataclasses.replace(runtime.settings.edge, **changes))


async def auth_actions(runtime) -> list[tuple[str, str | None]]:
    async with runtime.engine.connect() as connection:
        rows = await connection.execute(select(AuthEvent.action, AuthEvent.username).order_by(AuthEvent.id))
        return [tuple(row) for row in rows]


@pytest.fixture
async def county_inspector(runtime):
    await create_all(runtime, "430000", "431300", "431321")
    return await add_user(runtime, "Zhang.San", ("431321", "inspector", None))


async def test_login_gives_tokens_and_me_shows_the_memberships(runtime, county_inspector):
    async with Api(runtime) as api:
        login = await api.call(LOGIN, u="zhang.san", p=PASSWORD)  # usernames are case-insensitive
        me = await api.call(ME, login["data"]["login"]["accessToken"])
    assert me == {
        "data": {
            "me": {"username": "Zhang.San", "isSuperuser": False, "memberships": [{"role": "INSPECTOR", "tenant": {"code": "431321"}}]}
        }
    }
    assert ("login", "Zhang.San") in await auth_actions(runtime)


async def test_wrong_passwords_make_their_address_wait_and_unknown_users_look_the_same(runtime, county_inspector):
    async with Api(runtime, source="198.51.100.7") as stranger, Api(runtime, source="192.0.2.10") as owner:
        assert error_code(await stranger.call(LOGIN, u="nobody", p=PASSWORD)) == "INVALID_CREDENTIALS"
        for _ in range(5):
            assert error_code(await stranger.call(LOGIN, u="Zhang.San", p="wrong-password-1")) == "INVALID_CREDENTIALS"
        guessed_wrong = await stranger.call(LOGIN, u="Zhang.San", p="wrong-password-2")
        unknown = await stranger.call(LOGIN, u="nobody", p=PASSWORD)
        guessed_right = await stranger.call(LOGIN, u="Zhang.San", p=PASSWORD)
        elsewhere = await owner.call(LOGIN, u="Zhang.San", p=PASSWORD)  # the owner, from its own address, is not held up
        runtime.clock.advance(timedelta(minutes=1, seconds=1))
        after_the_wait = await stranger.call(LOGIN, u="Zhang.San", p=PASSWORD)
    # While the address waits, a wrong password is told exactly what an unknown user is told;
    # the right one learns that a wait is in force, and how long.
    assert error_code(guessed_wrong) == error_code(unknown) == "INVALID_CREDENTIALS"
    assert guessed_wrong["errors"][0]["message"] == unknown["errors"][0]["message"]
    assert error_code(guessed_right) == "ACCOUNT_LOCKED" and "1 分钟后" in guessed_right["errors"][0]["message"]
    assert elsewhere["data"]["login"]["accessToken"] and after_the_wait["data"]["login"]["accessToken"]
    actions = [action for action, _ in await auth_actions(runtime)]
    assert actions.count("login_failed") == 7 and actions.count("account_locked") == 1 and actions.count("login_refused_locked") == 2


def test_the_wait_doubles_with_each_further_failure_up_to_a_quarter_hour():
    minutes = [None if (wait := wait_after(n)) is None else wait.seconds // 60 for n in range(1, 12)]
    assert minutes == [None, None, None, None, 1, 2, 4, 8, 15, 15, 15]


async def test_refresh_rotates_and_a_reused_refresh_token_ends_the_session(runtime, county_inspector):
    async with Api(runtime) as api:
        first = (await api.call(LOGIN, u="Zhang.San", p=PASSWORD))["data"]["login"]
        second = (await api.call(REFRESH, r=first["refreshToken"]))["data"]["refresh"]
        assert error_code(await api.call(ME, second["accessToken"])) is None
        assert error_code(await api.call(REFRESH, r=first["refreshToken"])) == "UNAUTHENTICATED"  # reuse: theft
        assert error_code(await api.call(ME, second["accessToken"])) == "UNAUTHENTICATED"
        assert error_code(await api.call(REFRESH, r=second["refreshToken"])) == "UNAUTHENTICATED"
    assert "refresh_token_reused" in [action for action, _ in await auth_actions(runtime)]


async def test_logout_ends_access_and_refresh_at_once(runtime, county_inspector):
    async with Api(runtime) as api:
        tokens = (await api.call(LOGIN, u="Zhang.San", p=PASSWORD))["data"]["login"]
        assert (await api.call("mutation { logout }", tokens["accessToken"]))["data"] == {"logout": True}
        assert error_code(await api.call(ME, tokens["accessToken"])) == "UNAUTHENTICATED"
        assert error_code(await api.call(REFRESH, r=tokens["refreshToken"])) == "UNAUTHENTICATED"


async def test_expired_forged_and_malformed_tokens_are_refused(runtime, county_inspector):
    session_token = await token_for(runtime, county_inspector)
    session_id = jwt.decode(session_token, options={"verify_signature": False})["sid"]
    now = runtime.clock.now()
    expired = issue_access_token(county_inspector, uuid.UUID(session_id), runtime.settings.secret_key, timedelta(seconds=-1), now)[0]
    forged = issue_access_token(
        county_inspector, uuid.UUID(session_id), "a-different-secret-of-the-same-length-as-ours-xyz", timedelta(minutes=5), now
    )[0]
    unsigned = jwt.encode({"sub": str(county_inspector), "sid": session_id, "typ": "access", "exp": 9999999999}, None, algorithm="none")
    async with Api(runtime) as api:
        assert error_code(await api.call(ME, session_token)) is None
        assert error_code(await api.call(ME, expired)) == "TOKEN_EXPIRED"  # a client refreshes on this one
        for bad in (forged, unsigned, "garbage", "xat_1.nope", "xat_x", session_token + "x"):
            assert error_code(await api.call(ME, bad)) == "UNAUTHENTICATED", bad
        assert error_code(await api.call(ME)) == "UNAUTHENTICATED"


async def test_a_token_verified_while_valid_is_refused_once_it_expires(runtime, county_inspector):
    """Verified tokens are remembered (credentials._signed_claims); the expiry is checked on every use."""
    session_token = await token_for(runtime, county_inspector)
    session_id = jwt.decode(session_token, options={"verify_signature": False})["sid"]
    brief = issue_access_token(
        county_inspector, uuid.UUID(session_id), runtime.settings.secret_key, timedelta(minutes=15), runtime.clock.now()
    )[0]
    async with Api(runtime) as api:
        assert error_code(await api.call(ME, brief)) is None
        runtime.clock.advance(timedelta(minutes=15, seconds=1))  # the expiry is in whole seconds
        refused = await api.call(ME, brief)
    assert error_code(refused) == "TOKEN_EXPIRED" and refused["errors"][0]["message"] == "登录已过期，请刷新令牌或重新登录"


async def test_api_tokens_are_scoped_expiring_and_revocable(runtime, county_inspector):
    issue = 'mutation($s: [Scope!]!, $d: Int!) { issueApiToken(name: "对接", scopes: $s, expiresInDays: $d) { id token } }'
    async with Api(runtime) as api:
        owner = await token_for(runtime, county_inspector)
        read_only = (await api.call(issue, owner, s=["READ"], d=30))["data"]["issueApiToken"]
        assert error_code(await api.call(ME, read_only["token"])) is None
        refused = await api.call('mutation { issueApiToken(name: "x", scopes: [READ]) { id } }', read_only["token"])
        assert error_code(refused) == "FORBIDDEN"
        writer = (await api.call(issue, owner, s=["WRITE"], d=30))["data"]["issueApiToken"]
        minted = await api.call('mutation { issueApiToken(name: "x", scopes: [READ]) { id } }', writer["token"])
        assert error_code(minted) == "FORBIDDEN"  # a token cannot mint tokens that outlive it
        assert error_code(await api.call(ME, writer["token"])) is None  # WRITE implies READ
        assert error_code(await api.call(issue, owner, s=[], d=30)) == "INVALID_SCOPES"
        assert error_code(await api.call(issue, owner, s=["READ"], d=400)) == "INVALID_EXPIRY"
        revoked = await api.call("mutation($i: ID!) { revokeApiToken(id: $i) }", owner, i=read_only["id"])
        assert revoked["data"] == {"revokeApiToken": True}
        assert error_code(await api.call(ME, read_only["token"])) == "UNAUTHENTICATED"
    async with runtime.engine.begin() as connection:  # expiry is checked, not only revocation
        await connection.execute(
            text("UPDATE identity.api_token SET revoked_at = NULL, expires_at = :past"),
            {"past": runtime.clock.now() - timedelta(seconds=1)},
        )
    async with Api(runtime) as api:
        assert error_code(await api.call(ME, read_only["token"])) == "UNAUTHENTICATED"


async def test_the_auth_audit_trail_is_append_only_and_keeps_the_source_ip(runtime, county_inspector):
    async with Api(runtime) as api:
        await api.call(LOGIN, u="Zhang.San", p=PASSWORD)
    async with runtime.engine.connect() as connection:
        ip = (await connection.execute(select(AuthEvent.source_ip).where(AuthEvent.action == "login"))).scalar_one()
        assert ip == "127.0.0.1"
        with pytest.raises(Exception, match="append-only"):
            await connection.execute(text("UPDATE identity.auth_event SET action = 'nothing'"))


CREATE_USER = """mutation($u: String!, $n: String!, $p: String) {
    createUser(input: {username: $u, displayName: $n, password: $p, tenantCode: "431321", role: INSPECTOR}) {
    userId activationCode activationExpiresAt } }"""
ACTIVATE = "mutation($u: String!, $c: String!, $p: String!) { activateAccount(username: $u, activationCode: $c, password: $p) }"


@pytest.mark.parametrize(
    ("username", "display_name", "password", "code"),
    [
        ("ab", "王五", None, "INVALID_USERNAME"),
        ("wang wu", "王五", None, "INVALID_USERNAME"),
        ("wangwu", "", None, "INVALID_NAME"),
        ("wangwu", "王\u200b五", None, "INVALID_NAME"),
        ("zhang.SAN", "王五", None, "DUPLICATE"),
        ("wangwu", "王五", "Chosen-by-admin-1", "PASSWORD_SET_BY_OWNER"),  # the creator never sets the password
    ],
)
async def test_bad_new_users_get_a_clear_error_and_change_nothing(runtime, county_inspector, username, display_name, password, code):
    admin = await token_for(runtime, await add_user(runtime, "admin1", ("431321", "admin", None)))
    before = await auth_actions(runtime)
    async with Api(runtime) as api:
        assert error_code(await api.call(CREATE_USER, admin, u=username, n=display_name, p=password)) == code
    assert await auth_actions(runtime) == before


async def test_a_new_account_is_activated_by_its_owner_with_a_one_time_code(runtime, county_inspector):
    admin = await token_for(runtime, await add_user(runtime, "admin1", ("431321", "admin", None)))
    async with Api(runtime) as api:
        created = (await api.call(CREATE_USER, admin, u="sf.wang", n="王检查"))["data"]["createUser"]
        code = created["activationCode"]
        before_activation = error_code(await api.call(LOGIN, u="sf.wang", p=PASSWORD))
        refusals = [
            error_code(await api.call(ACTIVATE, u="sf.wang", c="ABCD-EFGH-JKMN", p="Wang-own-pass-1")),
            error_code(await api.call(ACTIVATE, u="nobody", c=code, p="Wang-own-pass-1")),
            error_code(await api.call(ACTIVATE, u="sf.wang", c=code, p="short-1")),
        ]
        activated = await api.call(ACTIVATE, u="SF.WANG", c=code.lower().replace("-", " "), p="Wang-own-pass-1")
        reused = error_code(await api.call(ACTIVATE, u="sf.wang", c=code, p="Other-pass-2"))
        logged_in = await api.call(LOGIN, u="sf.wang", p="Wang-own-pass-1")
        late = (await api.call(CREATE_USER, admin, u="sf.li", n="李检查"))["data"]["createUser"]
        runtime.clock.advance(timedelta(days=7, seconds=1))
        expired = error_code(await api.call(ACTIVATE, u="sf.li", c=late["activationCode"], p="Li-own-pass-1"))
    assert len(code) == 14 and code.count("-") == 2
    assert before_activation == "INVALID_CREDENTIALS"  # no password anybody knows until the owner sets one
    assert refusals == ["INVALID_ACTIVATION_CODE", "INVALID_ACTIVATION_CODE", "WEAK_PASSWORD"]
    assert activated == {"data": {"activateAccount": True}}
    assert (reused, expired) == ("INVALID_ACTIVATION_CODE", "INVALID_ACTIVATION_CODE")
    assert logged_in["data"]["login"]["accessToken"]
    actions = [action for action, _ in await auth_actions(runtime)]
    assert actions.count("account_activated") == 1 and actions.count("activation_failed") == 4


async def test_a_liaison_must_be_bound_to_a_unit_of_that_tenant(runtime, county_inspector):
    admin = await token_for(runtime, await add_user(runtime, "admin1", ("431321", "admin", None)))
    grant = 'mutation($u: ID!, $unit: ID) { grantMembership(userId: $u, tenantCode: "431321", role: LIAISON, unitId: $unit) }'
    async with Api(runtime) as api:
        assert error_code(await api.call(grant, admin, u=str(county_inspector))) == "INVALID_UNIT"
        assert error_code(await api.call(grant, admin, u=str(county_inspector), unit="999")) == "NOT_FOUND"
        async with runtime.engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO t431321.inspected_unit (id, credit_code, name, unit_type) VALUES (7, 'X1', '县财政局', '政府机关')")
            )
        granted = await api.call(grant, admin, u=str(county_inspector), unit="7")
        assert error_code(granted) is None
        again = await api.call(grant, admin, u=str(county_inspector), unit="7")
        assert again["data"] == granted["data"]  # idempotent


async def test_over_deep_over_aliased_and_over_long_queries_are_refused(runtime, county_inspector):
    token = await token_for(runtime, county_inspector)
    async with Api(with_edge(runtime, max_depth=2)) as api:
        deep = await api.call("{ me { memberships { tenant { code } } } }", token)
        assert deep["data"] is None and "depth" in deep["errors"][0]["message"]
    async with Api(runtime) as api:
        aliased = await api.call("{ " + " ".join(f"a{i}: me {{ username }}" for i in range(21)) + " }", token)
        assert aliased["data"] is None and "alias" in aliased["errors"][0]["message"].lower()
        long_query = "{ me { " + "username " * 2100 + "} }"
        assert (await api.call(long_query, token))["data"] is None
        huge = await api.client.post(
            "/graphql",
            content=b'{"query": "' + b" " * 300_000 + b'{ me { username } }"}',
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
        )
        assert huge.status_code == 413


async def test_introspection_can_be_switched_off(runtime, county_inspector):
    async with Api(with_edge(runtime, introspection=False)) as api:
        closed = await api.call("{ __schema { queryType { name } } }")
        assert closed["data"] is None
    async with Api(runtime) as api:
        assert (await api.call("{ __schema { queryType { name } } }"))["data"] == {"__schema": {"queryType": {"name": "Query"}}}


async def test_logins_and_mutations_are_rate_limited(runtime, county_inspector):
    limited = with_edge(runtime, login_attempts_per_minute=3, mutations_per_minute=2)
    token = await token_for(runtime, county_inspector)
    async with Api(limited) as api, Api(limited, source="192.0.2.10") as owner:
        codes = [error_code(await api.call(LOGIN, u="Zhang.San", p="wrong-password-1")) for _ in range(4)]
        assert codes == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
        assert (await owner.call(LOGIN, u="Zhang.San", p=PASSWORD))["data"]["login"]  # not held up from its own address
        issue = 'mutation { issueApiToken(name: "t", scopes: [READ]) { id } }'
        codes = [error_code(await api.call(issue, token)) for _ in range(3)]
        assert codes == [None, None, "RATE_LIMITED"]


async def test_grants_across_places_reveal_nothing_and_parents_appoint_only_admins(runtime, county_inspector):
    await create_all(runtime, "431322", "440000")
    city_admin_id = await add_user(runtime, "loudi.admin", ("431300", "admin", None))
    city_admin = await token_for(runtime, city_admin_id)
    guangdong_user = await add_user(runtime, "gd.user", ("440000", "inspector", None))
    grant = "mutation($u: ID!, $c: String!, $r: Role!) { grantMembership(userId: $u, tenantCode: $c, role: $r) }"
    before = await auth_actions(runtime)
    async with Api(runtime) as api:
        # a user of another province is as unknown as a user that does not exist
        assert error_code(await api.call(grant, city_admin, u=str(guangdong_user), c="431321", r="ADMIN")) == "NOT_FOUND"
        assert error_code(await api.call(grant, city_admin, u="999999", c="431321", r="ADMIN")) == "NOT_FOUND"
        assert error_code(await api.call(grant, city_admin, u="²", c="431321", r="ADMIN")) == "NOT_FOUND"
        # the parent appoints admins, not inspectors, and never itself
        assert error_code(await api.call(grant, city_admin, u=str(county_inspector), c="431321", r="INSPECTOR")) == "FORBIDDEN"
        assert error_code(await api.call(grant, city_admin, u=str(city_admin_id), c="431321", r="ADMIN")) == "FORBIDDEN"
        assert await auth_actions(runtime) == before
        assert error_code(await api.call(grant, city_admin, u=str(county_inspector), c="431321", r="ADMIN")) is None
    assert (await auth_actions(runtime))[-1] == ("membership_granted", None)


async def test_an_over_long_username_is_just_a_failed_login(runtime, county_inspector):
    async with Api(runtime) as api:
        assert error_code(await api.call(LOGIN, u="x" * 500, p=PASSWORD)) == "INVALID_CREDENTIALS"


async def test_a_new_tenant_under_the_wrong_parent_does_not_reveal_existing_codes(runtime, county_inspector):
    await create_all(runtime, "440000", "440100")
    city_admin = await token_for(runtime, await add_user(runtime, "loudi.admin", ("431300", "admin", None)))
    create = 'mutation($c: String!) { createTenant(code: $c, name: "x", parentCode: "431300") { code } }'
    async with Api(runtime) as api:
        taken = await api.call(create, city_admin, c="440100")
        free = await api.call(create, city_admin, c="440200")
    assert error_code(taken) == error_code(free) == "WRONG_PARENT"
