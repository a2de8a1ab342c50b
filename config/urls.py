from django.contrib import admin
from django.urls import include, path

from apps.accounts.views import SignInView

admin.site.site_header = "AI Risk Register administration"
admin.site.site_title = "AI Risk Register"

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("apps.accounts.sso_urls")),  # allauth: second factor, single sign-on
    path("systems/", include("apps.systems.urls")),
    path("risks/", include("apps.library.urls")),
    path("risks/", include("apps.risks.urls")),
    path("mitigations/", include("apps.mitigations.urls")),
    path("reviews/", include("apps.reviews.urls")),
    path("incidents/", include("apps.incidents.urls")),
    path("concerns/", include("apps.concerns.urls")),
    path("evaluations/", include("apps.evaluations.urls")),
    path("monitoring/", include("apps.monitoring.urls")),
    path("compliance/org/", include("apps.compliance.urls_org")),  # SoA, dashboard
    path("compliance/", include("apps.compliance.urls")),  # obligations, catalogues
    path("literacy/", include("apps.literacy.urls")),  # AI literacy (EU AI Act Art. 4)
    path("classification/", include("apps.classification.urls")),  # EU AI Act tier, its reasons
    path("assessments/", include("apps.assessments.urls")),  # fundamental-rights (Art. 27)
    path("documentation/", include("apps.documentation.urls")),  # Annex IV, Annex VIII
    path("api/v1/", include("apps.core.api.urls")),
    path("exports/", include("apps.exports.urls")),
    path("", include("apps.reminders.urls")),  # notifications/
    path("admin/", admin.site.urls),
    path("", include("apps.dashboard.urls")),
    path("", include("apps.core.urls")),
]

# Errors met outside a view are JSON under /api/ like every other API error (the site's pages
# elsewhere): a body over the size limit, an unknown host, a bug.
handler400 = "apps.core.views.pages.bad_request"
handler403 = "apps.core.views.pages.permission_denied"
handler404 = "apps.core.views.pages.page_not_found"
handler500 = "apps.core.views.pages.server_error"
