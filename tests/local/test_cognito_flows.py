"""Codes, messages and the operations moto lacks, without triggers: what a scenario relies on."""

from __future__ import annotations

from localaws import PASSWORD, Env, error_of


def test_confirmation_codes_are_enforced(aws: Env) -> None:
    _, client_id = aws.pool()
    aws.sign_up(client_id, "ann")
    first = aws.outbox.latest(username="ann", kind="SignUp")
    wrong = "000000" if first.code != "000000" else "111111"
    confirm = aws.idp.confirm_sign_up
    assert error_of(lambda: confirm(ClientId=client_id, Username="ann", ConfirmationCode=wrong)) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    resent = aws.idp.resend_confirmation_code(ClientId=client_id, Username="ann")
    assert resent["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    second = aws.outbox.latest(username="ann")
    assert second.kind == "ResendCode" and second.code != first.code
    assert error_of(lambda: confirm(ClientId=client_id, Username="ann", ConfirmationCode=first.code))[0] == (
        "CodeMismatchException"
    )
    confirm(ClientId=client_id, Username="ann", ConfirmationCode=second.code)
    assert error_of(lambda: confirm(ClientId=client_id, Username="ann", ConfirmationCode=second.code)) == (
        "NotAuthorizedException",
        "User cannot be confirmed. Current status is CONFIRMED",
    )
    assert error_of(lambda: aws.idp.resend_confirmation_code(ClientId=client_id, Username="ann")) == (
        "InvalidParameterException",
        "User is already confirmed.",
    )
    assert "AccessToken" in aws.sign_in(client_id, "ann")["AuthenticationResult"]


def test_without_auto_verified_attributes_no_code_is_sent(aws: Env) -> None:
    pool_id, client_id = aws.pool(AutoVerifiedAttributes=[])
    result = aws.sign_up(client_id, "ben")
    assert "CodeDeliveryDetails" not in result and aws.outbox.messages(user_pool_id=pool_id) == []
    assert error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="ben", ConfirmationCode="123456")) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
    assert error_of(lambda: aws.idp.resend_confirmation_code(ClientId=client_id, Username="ben")) == (
        "InvalidParameterException",
        "Auto verification not turned on.",
    )
    assert error_of(lambda: aws.sign_in(client_id, "ben")) == ("UserNotConfirmedException", "User is not confirmed.")


def test_sign_up_errors(aws: Env) -> None:
    _, client_id = aws.pool()
    aws.sign_up(client_id, "cy")
    assert error_of(lambda: aws.sign_up(client_id, "cy")) == ("UsernameExistsException", "User already exists")
    assert error_of(lambda: aws.idp.confirm_sign_up(ClientId=client_id, Username="nobody", ConfirmationCode="1")) == (
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
    assert error_of(lambda: aws.idp.sign_up(ClientId="no-such-client", Username="x", Password=PASSWORD))[0] == (
        "ResourceNotFoundException"
    )
    assert error_of(lambda: aws.idp.sign_up(ClientId=client_id, Username="weak", Password="short"))[0] == (
        "InvalidPasswordException"
    )


def test_sms_codes_go_to_the_phone_number(local: Env) -> None:
    _, client_id = local.pool(AutoVerifiedAttributes=["email", "phone_number"])
    result = local.idp.sign_up(
        ClientId=client_id,
        Username="dee",
        Password=PASSWORD,
        UserAttributes=[
            {"Name": "email", "Value": "dee@example.com"},
            {"Name": "phone_number", "Value": "+12065551234"},
        ],
    )
    assert result["CodeDeliveryDetails"] == {
        "Destination": "+*******1234",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    message = local.outbox.latest(username="dee")
    assert message.medium == "SMS" and message.recipient == "+12065551234" and message.code in message.text


def test_forgot_password_flow(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.sign_up(client_id, "eve")
    assert error_of(lambda: aws.idp.forgot_password(ClientId=client_id, Username="eve")) == (
        "InvalidParameterException",
        "Cannot reset password for the user as there is no registered/verified email or phone_number",
    )
    aws.idp.confirm_sign_up(ClientId=client_id, Username="eve", ConfirmationCode=aws.outbox.latest(username="eve").code)
    sent = aws.idp.forgot_password(ClientId=client_id, Username="eve")
    assert sent["CodeDeliveryDetails"] == {
        "Destination": "e***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    assert "x-moto-forgot-password-confirmation-code" not in sent["ResponseMetadata"]["HTTPHeaders"]
    code = aws.outbox.latest(username="eve", kind="ForgotPassword").code
    reset = aws.idp.confirm_forgot_password
    wrong = "000000" if code != "000000" else "111111"
    assert error_of(
        lambda: reset(ClientId=client_id, Username="eve", ConfirmationCode=wrong, Password="N3w-Passw0rd")
    ) == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    reset(ClientId=client_id, Username="eve", ConfirmationCode=code, Password="N3w-Passw0rd")
    assert error_of(
        lambda: reset(ClientId=client_id, Username="eve", ConfirmationCode=code, Password="An0ther-Passw0rd")
    ) == ("ExpiredCodeException", "Invalid code provided, please request a code again.")
    assert error_of(lambda: aws.sign_in(client_id, "eve")) == (
        "NotAuthorizedException",
        "Incorrect username or password.",
    )
    assert "IdToken" in aws.sign_in(client_id, "eve", "N3w-Passw0rd")["AuthenticationResult"]
    assert error_of(lambda: aws.idp.forgot_password(ClientId=client_id, Username="ghost")) == (
        "UserNotFoundException",
        "Username/client id combination not found.",
    )
    assert aws.idp.admin_get_user(UserPoolId=pool_id, Username="eve")["UserStatus"] == "CONFIRMED"


def test_delete_user_with_its_access_token(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="fin", MessageAction="SUPPRESS")
    aws.idp.admin_set_user_password(UserPoolId=pool_id, Username="fin", Password=PASSWORD, Permanent=True)
    token = aws.sign_in(client_id, "fin")["AuthenticationResult"]["AccessToken"]
    assert aws.idp.get_user(AccessToken=token)["Username"] == "fin"
    aws.idp.delete_user(AccessToken=token)
    assert aws.idp.list_users(UserPoolId=pool_id)["Users"] == []
    assert error_of(lambda: aws.idp.admin_get_user(UserPoolId=pool_id, Username="fin")) == (
        "UserNotFoundException",
        "User does not exist.",
    )
    assert error_of(lambda: aws.idp.delete_user(AccessToken=token)) == (
        "NotAuthorizedException",
        "Invalid Access Token",
    )
    assert error_of(lambda: aws.idp.delete_user(AccessToken="not-a-token"))[0] == "NotAuthorizedException"


def test_admin_create_user_messages(aws: Env) -> None:
    pool_id, client_id = aws.pool()
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="gil",
        MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "gil@example.com"}],
    )
    assert aws.outbox.messages(username="gil") == []
    aws.idp.admin_create_user(
        UserPoolId=pool_id,
        Username="hana",
        TemporaryPassword="Temp-Passw0rd",
        UserAttributes=[{"Name": "email", "Value": "hana@example.com"}],
    )
    invite = aws.outbox.latest(username="hana")
    assert (invite.kind, invite.code, invite.recipient) == ("AdminCreateUser", "Temp-Passw0rd", "hana@example.com")
    assert invite.subject == "Your temporary password"
    aws.idp.admin_create_user(UserPoolId=pool_id, Username="hana", MessageAction="RESEND")
    resent = aws.outbox.latest(username="hana")
    assert resent.code != "Temp-Passw0rd"
    assert aws.sign_in(client_id, "hana", resent.code)["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert error_of(lambda: aws.idp.admin_create_user(UserPoolId=pool_id, Username="hana")) == (
        "UsernameExistsException",
        "User account already exists",
    )
    user = aws.idp.admin_get_user(UserPoolId=pool_id, Username="hana")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    aws.idp.admin_delete_user(UserPoolId=pool_id, Username="hana")
    assert [u["Username"] for u in aws.idp.list_users(UserPoolId=pool_id)["Users"]] == ["gil"]


def test_email_as_user_name(local: Env) -> None:
    pool_id, client_id = local.pool(UsernameAttributes=["email"])
    sub = local.idp.sign_up(ClientId=client_id, Username="ivan@example.com", Password=PASSWORD)["UserSub"]
    message = local.outbox.latest(username="ivan@example.com")
    assert message.recipient == "ivan@example.com"
    local.idp.confirm_sign_up(ClientId=client_id, Username="ivan@example.com", ConfirmationCode=message.code)
    assert local.idp.admin_get_user(UserPoolId=pool_id, Username="ivan@example.com")["Username"] == sub
    assert "AccessToken" in local.sign_in(client_id, "ivan@example.com")["AuthenticationResult"]


def test_secret_hash_and_disabled_flows(local: Env) -> None:
    pool_id, _ = local.pool()
    client = local.idp.create_user_pool_client(
        UserPoolId=pool_id, ClientName="secret", GenerateSecret=True, ExplicitAuthFlows=["ALLOW_REFRESH_TOKEN_AUTH"]
    )["UserPoolClient"]
    assert error_of(lambda: local.sign_up(client["ClientId"], "jay")) == (
        "NotAuthorizedException",
        f"Client {client['ClientId']} is configured for secret but secret was not received",
    )
    assert error_of(lambda: local.sign_in(client["ClientId"], "jay")) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )
