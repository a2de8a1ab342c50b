from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo organisation (``manage.py seed_demo``) and the load generator
    (``manage.py generate_load``): they write across every domain app (top layer)."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo data and load generator"
