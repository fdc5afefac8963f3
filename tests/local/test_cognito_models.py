"""moto's Cognito objects have every member the local Cognito's Protocols (``cognito.models``) name."""

from __future__ import annotations

from localaws import PASSWORD, Env

from engine.local.cognito import models
from engine.local.cognito.common import every_pool


def test_moto_objects_have_every_member_the_protocols_name(local: Env) -> None:
    idp = local.idp
    pool_id = idp.create_user_pool(PoolName="shapes")["UserPool"]["Id"]
    idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")
    idp.create_user_pool_domain(UserPoolId=pool_id, Domain="shapes")
    idp.create_identity_provider(
        UserPoolId=pool_id,
        ProviderName="idp",
        ProviderType="OIDC",
        ProviderDetails={"client_id": "c", "authorize_scopes": "openid", "oidc_issuer": "https://idp.example"},
    )
    idp.admin_create_user(UserPoolId=pool_id, Username="ann", TemporaryPassword=PASSWORD, MessageAction="SUPPRESS")
    idp.create_group(UserPoolId=pool_id, GroupName="staff")
    idp.admin_add_user_to_group(UserPoolId=pool_id, Username="ann", GroupName="staff")

    backend, pool = next((b, p) for b, p in every_pool() if p.id == pool_id)
    assert isinstance(backend, models.Backend)
    assert isinstance(pool, models.Pool)
    assert all(isinstance(client, models.AppClient) for client in pool.clients.values())
    assert all(isinstance(provider, models.IdentityProvider) for provider in pool.identity_providers.values())
    assert all(isinstance(domain, models.Domain) for domain in backend.user_pool_domains.values())
    user = pool.users["ann"]
    assert isinstance(user, models.User)
    assert [isinstance(group, models.Group) for group in user.groups] == [True]
    assert isinstance(models.new_user(pool_id, "bob", PASSWORD, "CONFIRMED", []), models.User)
