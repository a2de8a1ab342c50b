"""Administrators manage people, teams and memberships here."""

from allauth.socialaccount.admin import SocialAppAdmin as AllauthSocialAppAdmin
from allauth.socialaccount.admin import SocialAppForm as AllauthSocialAppForm
from allauth.socialaccount.models import SocialApp
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts import services, throttling
from apps.accounts.models import GroupMapping, Membership, SignInSettings, Team, User


class RegisterUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name")


class RegisterUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


class UserMembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["team"]
    verbose_name = "team membership"


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    add_form = RegisterUserCreationForm
    form = RegisterUserChangeForm
    ordering = ["full_name", "email"]
    list_display = [
        "email",
        "full_name",
        "is_committee_member",
        "is_auditor",
        "is_superuser",
        "is_active",
        "last_login",
    ]
    list_filter = ["is_committee_member", "is_auditor", "is_superuser", "is_active", "teams"]
    search_fields = ["email", "full_name"]
    inlines = [UserMembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("full_name", "job_title")}),
        (
            "Global roles",
            {
                "fields": ("is_committee_member", "is_auditor", "is_superuser", "is_staff"),
                "description": "Administrators are superusers with staff status. Team roles "
                "(contributor, viewer) are set in the memberships below.",
            },
        ),
        ("Status", {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal = []
    actions = ["unlock_sign_in", "deactivate_now", "sign_out_everywhere"]

    def save_model(self, request, obj, form, change):
        """Unticking "active" stops the person at once: their sessions end too."""
        was_active = change and User.objects.filter(pk=obj.pk, is_active=True).exists()
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            ended = services.end_sessions(user=obj, by=request.user)
            self.message_user(request, f"{obj} is deactivated: {ended} session(s) ended.")

    @admin.action(description="Deactivate now (end their sessions; their API tokens stop)")
    def deactivate_now(self, request, queryset):
        done = 0
        for person in queryset:
            try:
                services.deactivate_person(user=person, by=request.user, reason="Deactivated")
            except (ValidationError, PermissionDenied) as error:
                self.message_user(
                    request,
                    f"{person}: {' '.join(getattr(error, 'messages', [str(error)]))}",
                    messages.ERROR,
                )
            else:
                done += 1
        self.message_user(
            request, f"{done} person(s) deactivated: their sessions and tokens stopped."
        )

    @admin.action(description="Sign out everywhere (end every session)")
    def sign_out_everywhere(self, request, queryset):
        ended = sum(services.end_sessions(user=person, by=request.user) for person in queryset)
        self.message_user(request, f"{ended} session(s) ended.")

    @admin.action(description="Unlock sign-in (clear failed sign-in attempts)")
    def unlock_sign_in(self, request, queryset):
        cleared = sum(throttling.unlock(user) for user in queryset)
        self.message_user(
            request,
            f"Sign-in unlocked for {queryset.count()} user(s); "
            f"{cleared} record(s) of failed attempts cleared.",
        )


@admin.register(Team)
class TeamAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "team", "role", "created_at"]
    list_filter = ["role", "team"]
    search_fields = ["user__email", "user__full_name", "team__name"]
    autocomplete_fields = ["user", "team"]


# --- Signing in -----------------------------------------------------------------------------------
@admin.register(SignInSettings)
class SignInSettingsAdmin(SimpleHistoryAdmin):
    """Password sign-in, the break-glass administrators, the second factor per role, and whether
    an identity provider's own second factor counts: a single row, with its history."""

    fieldsets = (
        (
            "Password sign-in",
            {
                "fields": ("password_sign_in", "break_glass_users"),
                "description": "With single sign-on set up (Social applications), you may turn "
                "password sign-in off for everyone but the break-glass administrators.",
            },
        ),
        (
            "Second factor",
            {
                "fields": (
                    "mfa_administrators",
                    "mfa_committee_members",
                    "mfa_auditors",
                    "mfa_contributors",
                    "mfa_viewers",
                ),
                "description": "People holding a role ticked here must set up an authenticator "
                "app or a passkey before anything else, and to create API tokens. A change "
                "applies to each person from their next sign-in.",
            },
        ),
        ("Identity provider's second factor", {"fields": ("trust_idp_mfa", "idp_mfa_values")}),
    )
    filter_horizontal = ["break_glass_users"]

    def has_add_permission(self, request):
        return not SignInSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "break_glass_users":
            kwargs["queryset"] = User.objects.filter(is_superuser=True, is_active=True)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(GroupMapping)
class GroupMappingAdmin(SimpleHistoryAdmin):
    """What each identity-provider group gives: applied at every single sign-on."""

    list_display = [
        "value",
        "claim",
        "provider",
        "team",
        "team_role",
        "is_committee_member",
        "is_auditor",
        "is_administrator",
    ]
    list_filter = ["provider", "team", "team_role", "is_committee_member", "is_auditor"]
    search_fields = ["value", "claim", "team__name"]
    autocomplete_fields = ["team"]
    fieldsets = (
        (
            "The group",
            {
                "fields": ("provider", "claim", "value"),
                "description": "At each single sign-on, a person whose claim holds this value "
                "gets what is set below; teams and global roles that some mapping gives are "
                "taken away from people no longer in a matching group. Where a provider has "
                "mappings, a person in none of its groups is refused.",
            },
        ),
        ("Team role", {"fields": ("team", "team_role")}),
        ("Global roles", {"fields": ("is_committee_member", "is_auditor", "is_administrator")}),
    )


class SocialAppForm(AllauthSocialAppForm):
    """allauth's identity-provider form, with the usual ways in: an OpenID Connect issuer, a SAML
    IdP's metadata URL or its metadata XML pasted (turned into the JSON settings)."""

    oidc_issuer = forms.URLField(
        label="OpenID Connect issuer",
        required=False,
        assume_scheme="https",
        help_text="OpenID Connect: the issuer URL (its /.well-known/openid-configuration is "
        "read). Sets settings.server_url.",
    )
    saml_metadata_url = forms.URLField(
        label="SAML IdP metadata URL",
        required=False,
        assume_scheme="https",
        help_text="SAML: the IdP's metadata URL, with its entity ID below.",
    )
    saml_entity_id = forms.CharField(label="SAML IdP entity ID", required=False)
    saml_metadata_xml = forms.CharField(
        label="SAML IdP metadata XML",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="SAML: or paste the IdP's metadata: its entity ID, sign-on URL and "
        "certificate go into settings.idp.",
    )

    def clean(self):
        cleaned = super().clean()
        settings = dict(cleaned.get("settings") or {})
        if cleaned.get("oidc_issuer"):
            settings["server_url"] = cleaned["oidc_issuer"]
        if cleaned.get("saml_metadata_url"):
            if not cleaned.get("saml_entity_id"):
                self.add_error("saml_entity_id", "Give the IdP's entity ID with its metadata URL.")
            settings["idp"] = {
                "metadata_url": cleaned["saml_metadata_url"],
                "entity_id": cleaned.get("saml_entity_id", ""),
            }
        if cleaned.get("saml_metadata_xml"):
            settings["idp"] = self._idp_from_xml(cleaned["saml_metadata_xml"])
        cleaned["settings"] = settings
        return cleaned

    def _idp_from_xml(self, xml: str) -> dict:
        from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

        try:
            idp = OneLogin_Saml2_IdPMetadataParser.parse(xml)["idp"]
            return {
                "entity_id": idp["entityId"],
                "sso_url": idp["singleSignOnService"]["url"],
                "x509cert": idp.get("x509cert") or idp["x509certMulti"]["signing"][0],
            }
        except Exception as error:
            self.add_error("saml_metadata_xml", f"This is not SAML IdP metadata: {error}")
            return {}

    def save(self, commit=True):
        self.instance.settings = self.cleaned_data["settings"]
        return super().save(commit)


admin.site.unregister(SocialApp)


@admin.register(SocialApp)
class SocialAppAdmin(AllauthSocialAppAdmin):
    form = SocialAppForm
    fieldsets = (
        (
            None,
            {
                "fields": ("provider", "provider_id", "name", "client_id", "secret", "key"),
                "description": "OpenID Connect: provider “openid_connect”, a provider ID of your "
                "own (e.g. “company”), the client ID and secret the identity provider gave. "
                "SAML: provider “saml”, the client ID is the short name in the register's URLs "
                "(/accounts/sso/saml/<client id>/metadata/ is the metadata to give the IdP).",
            },
        ),
        (
            "Where the identity provider is",
            {"fields": ("oidc_issuer", "saml_metadata_url", "saml_entity_id", "saml_metadata_xml")},
        ),
        (
            "Settings (JSON)",
            {
                "fields": ("settings",),
                "description": "Filled in from the fields above; also e.g. "
                '{"attribute_mapping": {"email": "email", "uid": "uid"}} for '
                'SAML, {"scope": ["openid", "profile", "email", "groups"]} for '
                "OpenID Connect. See the README: Single sign-on and two-factor.",
            },
        ),
    )
