"""The public payment link pages (orders/views/payment_link_public.py), under /pay/."""

from django.urls import path

from orders.views import payment_link_checkout, payment_link_public

app_name = "pay"

urlpatterns = [
    path("<str:token>/", payment_link_public.pay_page, name="page"),
    path("<str:token>/checkout/", payment_link_checkout.pay_checkout, name="checkout"),
    path("<str:token>/return/", payment_link_checkout.pay_return, name="return"),
]
