from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self):
        from django.contrib.auth.models import update_last_login

        from apps.accounts.permissions import register_rules
        from apps.accounts.signals import record_last_login

        register_rules()
        # Django's receiver saves the whole user, which would add a history version (and an
        # audit entry) at every sign-in; ours updates the one column.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="record_last_login")
