from django.urls import path

from orders.views import order_pages

app_name = "orders"

urlpatterns = [
    path("", order_pages.order_list, name="list"),
    path("<str:number>/", order_pages.order_detail, name="detail"),
    path("<str:number>/comments/", order_pages.order_comment_add, name="comment_add"),
]
