"""Administrators manage people, teams and memberships here."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts import throttling
from apps.accounts.models import Membership, Team, User


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
    actions = ["unlock_sign_in"]

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
