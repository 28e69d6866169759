from django.urls import path

from . import views

app_name = "duty"

urlpatterns = [
    path("", views.index, name="index"),
    path("posts/", views.posts_home, name="posts_home"),
    path("posts/<int:unit_id>/", views.posts, name="posts"),
]
