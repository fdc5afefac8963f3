"""The device operations the local Cognito adds to moto (``devices`` answers them): ConfirmDevice,
(Admin)GetDevice, (Admin)ListDevices, (Admin)UpdateDeviceStatus and (Admin)ForgetDevice."""

from __future__ import annotations

from moto.core.responses import ActionResult, EmptyResult

from engine.local.cognito import devices
from engine.local.cognito.request import OperationRequest, params


def confirm_device(self: OperationRequest) -> ActionResult:
    p = params(self)
    return ActionResult(
        devices.confirm_device(
            p.get("AccessToken", ""), p.get("DeviceKey", ""), p.get("DeviceSecretVerifierConfig"), p.get("DeviceName")
        )
    )


def get_device(self: OperationRequest) -> ActionResult:
    p = params(self)
    return ActionResult(devices.get_device(p.get("AccessToken", ""), p.get("DeviceKey", "")))


def admin_get_device(self: OperationRequest) -> ActionResult:
    p = params(self)
    return ActionResult(
        devices.admin_get_device(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("DeviceKey", ""))
    )


def list_devices(self: OperationRequest) -> ActionResult:
    p = params(self)
    return ActionResult(devices.list_devices(p.get("AccessToken", ""), p.get("Limit"), p.get("PaginationToken")))


def admin_list_devices(self: OperationRequest) -> ActionResult:
    p = params(self)
    return ActionResult(
        devices.admin_list_devices(
            self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("Limit"), p.get("PaginationToken")
        )
    )


def update_device_status(self: OperationRequest) -> ActionResult:
    p = params(self)
    devices.update_device_status(p.get("AccessToken", ""), p.get("DeviceKey", ""), p.get("DeviceRememberedStatus"))
    return EmptyResult()


def admin_update_device_status(self: OperationRequest) -> ActionResult:
    p = params(self)
    devices.admin_update_device_status(
        self.backend,
        p.get("UserPoolId", ""),
        p.get("Username", ""),
        p.get("DeviceKey", ""),
        p.get("DeviceRememberedStatus"),
    )
    return EmptyResult()


def forget_device(self: OperationRequest) -> ActionResult:
    p = params(self)
    devices.forget_device(p.get("AccessToken", ""), p.get("DeviceKey", ""))
    return EmptyResult()


def admin_forget_device(self: OperationRequest) -> ActionResult:
    p = params(self)
    devices.admin_forget_device(self.backend, p.get("UserPoolId", ""), p.get("Username", ""), p.get("DeviceKey", ""))
    return EmptyResult()
