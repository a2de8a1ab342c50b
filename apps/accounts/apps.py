from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and teams"

    def ready(self):
        from allauth.account.signals import user_logged_in as allauth_logged_in
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.models import update_last_login

        from apps.accounts.permissions import register_rules
        from apps.accounts.signals import (
            record_last_login,
            record_session,
            remember_enrolment,
            remember_idp_second_factor,
        )

        register_rules()
        # Django's receiver saves the whole user, which would add a history version (and an
        # audit entry) at every sign-in; ours updates the one column.
        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(record_last_login, dispatch_uid="record_last_login")
        user_logged_in.connect(record_session, dispatch_uid="accounts.record_session")
        allauth_logged_in.connect(
            remember_idp_second_factor, dispatch_uid="accounts.remember_idp_second_factor"
        )
        authenticator_added.connect(remember_enrolment, dispatch_uid="accounts.remember_enrolment")
