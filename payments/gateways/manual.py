"""The "manual" pseudo-gateway of Mark as paid payments: money received outside any PSP.

It can't do anything online; the operations registry offers only offline operations for it,
so reaching these methods is a bug.
"""

from payments.gateways.base import (
    Gateway,
    GatewayError,
    GatewayResult,
    GatewaySnapshot,
    SnapshotUnsupported,
)


class ManualGateway(Gateway):
    code = "manual"
    online = False

    def _refuse(self) -> GatewayResult:
        raise GatewayError("Manual payments have no gateway; use the offline operations.")

    def authorize(self, **kwargs: object) -> GatewayResult:
        return self._refuse()

    def capture(self, **kwargs: object) -> GatewayResult:
        return self._refuse()

    def void(self, **kwargs: object) -> GatewayResult:
        return self._refuse()

    def refund(self, **kwargs: object) -> GatewayResult:
        return self._refuse()

    def rebill(self, **kwargs: object) -> GatewayResult:
        return self._refuse()

    def lookup(self, *, idempotency_key: str) -> GatewayResult | None:
        return None

    def snapshot(self, *, reference: str) -> GatewaySnapshot | None:
        raise SnapshotUnsupported("Manual payments have no gateway: nothing to compare.")
