from django.urls import path

from backoffice.saved_views import views

urlpatterns = [
    path("<str:grid>/save/", views.saved_view_save, name="saved_view_save"),
    path("<int:pk>/rename/", views.saved_view_rename, name="saved_view_rename"),
    path("<int:pk>/delete/", views.saved_view_delete, name="saved_view_delete"),
]
