from django.urls import path

from orders.views import comments, order_detail, order_list

app_name = "orders"

urlpatterns = [
    path("", order_list.order_list, name="list"),
    path("<str:number>/", order_detail.order_detail, name="detail"),
    path("<str:number>/comments/", comments.order_comment_add_view, name="comment_add"),
]
