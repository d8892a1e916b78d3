from django.urls import path

from paysim import control, n1co, pages, paypal, settlements, wompi

urlpatterns = [
    # Wompi El Salvador (sources in paysim/wompi.py)
    path("wompi/connect/token", wompi.token),
    path("wompi/EnlacePago", wompi.enlaces),
    path("wompi/EnlacePago/<str:public_id>", wompi.enlace),
    path("wompi/EnlacePago/<str:public_id>/desactivar", wompi.desactivar),
    path("wompi/TransaccionCompra/<str:tx_id>", wompi.transaccion),
    path("wompi/pagar/<str:public_id>", pages.wompi_page),
    path("wompi/Liquidacion", settlements.wompi),
    # n1co (sources in paysim/n1co.py)
    path("n1co/api/v3/Token", n1co.token),
    path("n1co/api/v3/PaymentMethods", n1co.payment_methods),
    path("n1co/api/v3/Charges", n1co.charges),
    path("n1co/api/v3/Refunds", n1co.refunds),
    path("n1co/api/v3/Orders/<str:order_id>", n1co.order_status),
    path("n1co/api/paymentlink/checkout", n1co.checkout),
    path("n1co/api/paymentlink/order/<str:code>", n1co.link_order),
    path("n1co/api/v3/Settlements", settlements.n1co),
    path("n1co/pagar/<str:code>", pages.n1co_page),
    path("n1co/3ds/<str:three_ds_id>", pages.n1co_3ds),
    # PayPal Orders v2 / Payments v2 (sources in paysim/paypal.py)
    path("paypal/v1/oauth2/token", paypal.token),
    path("paypal/v2/checkout/orders", paypal.orders),
    path("paypal/v2/checkout/orders/<str:order_id>", paypal.order),
    path("paypal/v2/checkout/orders/<str:order_id>/authorize", paypal.order_action, {"action": "authorize"}),
    path("paypal/v2/checkout/orders/<str:order_id>/capture", paypal.order_action, {"action": "capture"}),
    path("paypal/v2/payments/authorizations/<str:auth_id>", paypal.authorization),
    path("paypal/v2/payments/authorizations/<str:auth_id>/capture", paypal.authorization_capture),
    path("paypal/v2/payments/authorizations/<str:auth_id>/void", paypal.authorization_void),
    path("paypal/v2/payments/captures/<str:capture_id>", paypal.capture),
    path("paypal/v2/payments/captures/<str:capture_id>/refund", paypal.capture_refund),
    path("paypal/certs/paysim.pem", paypal.cert),
    path("paypal/checkoutnow", pages.paypal_page),
    path("paypal/ppreports/outgoing/<str:name>", settlements.paypal),
    # control (tests, CLI)
    path("_paysim/health", control.health),
    path("_paysim/merchants", control.merchants),
    path("_paysim/faults", control.faults),
    path("_paysim/ledger", control.ledger),
    path("_paysim/webhooks", control.deliveries),
    path("_paysim/webhooks/deliver", control.deliver),
    path("_paysim/pay", control.pay),
    path("_paysim/3ds/<str:three_ds_id>", control.three_ds),
    path("_paysim/cards", control.cards),
    path("_paysim/expire", control.expire),
]
