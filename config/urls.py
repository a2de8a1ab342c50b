from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from apps.accounts.forms import LoginForm

admin.site.site_header = "AI Risk Register administration"
admin.site.site_title = "AI Risk Register"

urlpatterns = [
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=LoginForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("systems/", include("apps.systems.urls")),
    path("risks/", include("apps.library.urls")),
    path("risks/", include("apps.risks.urls")),
    path("mitigations/", include("apps.mitigations.urls")),
    path("reviews/", include("apps.reviews.urls")),
    path("incidents/", include("apps.incidents.urls")),
    path("api/v1/", include("apps.core.api.urls")),
    path("exports/", include("apps.exports.urls")),
    path("", include("apps.reminders.urls")),  # notifications/
    path("admin/", admin.site.urls),
    path("", include("apps.dashboard.urls")),
    path("", include("apps.core.urls")),
]
