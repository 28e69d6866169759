from django.apps import AppConfig


class ClocktestConfig(AppConfig):
    name = "tests.clocktest"
    label = "clocktest"

    def ready(self):
        from efficiency.registry import register_clock_model

        from .models import TimedItem

        register_clock_model(TimedItem)
