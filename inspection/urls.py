"""Pages of inspection."""

app_name = "inspection"
urlpatterns: list = []
