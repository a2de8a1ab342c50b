from django.urls import path

from apps.documentation import views

app_name = "documentation"

urlpatterns = [
    path("", views.DocumentListView.as_view(), name="list"),
    path("new/", views.DocumentCreateView.as_view(), name="create"),
    path("<int:pk>/", views.DocumentView.as_view(), name="detail"),
    path("<int:pk>/edit/<slug:group>/", views.DocumentEditView.as_view(), name="edit"),
    path("<int:pk>/history/", views.DocumentHistoryView.as_view(), name="history"),
    path("<int:pk>/generate/", views.GenerateVersionView.as_view(), name="generate"),
    path(
        "<int:pk>/annex-viii.xlsx",
        views.RegistrationSheetView.as_view(),
        name="registration_sheet",
    ),
    path("<int:pk>/versions/<int:number>/", views.VersionView.as_view(), name="version"),
    path("<int:pk>/versions/<int:number>/pdf/", views.VersionPdfView.as_view(), name="version_pdf"),
    path(
        "<int:pk>/versions/<int:number>/docx/",
        views.VersionDocxView.as_view(),
        name="version_docx",
    ),
    path("<int:pk>/versions/<int:number>/compare/", views.CompareView.as_view(), name="compare"),
    # From the audit log to a version's page
    path("versions/<int:pk>/", views.VersionLinkView.as_view(), name="version_link"),
]
