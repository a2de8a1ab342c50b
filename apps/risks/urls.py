from django.urls import path

from apps.risks.views import acceptances, imports, matrix, register

app_name = "risks"

urlpatterns = [
    # The register and each risk
    path("", register.RiskListView.as_view(), name="list"),
    path("export.csv", register.RiskExportView.as_view(), name="export"),
    path("new/", register.RiskCreateView.as_view(), name="create"),
    path("<int:pk>/", register.RiskView.as_view(), name="detail"),
    path("<int:pk>/edit/", register.RiskEditView.as_view(), name="edit"),
    path("<int:pk>/archive/", register.RiskArchiveView.as_view(), name="archive"),
    path("<int:pk>/history/", register.RiskHistoryView.as_view(), name="history"),
    # Acceptances
    path(
        "<int:pk>/accept/",
        acceptances.AcceptanceRequestView.as_view(),
        name="request_acceptance",
    ),
    path("acceptances/", acceptances.AcceptanceListView.as_view(), name="acceptance_list"),
    path(
        "acceptances/<int:pk>/",
        acceptances.AcceptanceView.as_view(),
        name="acceptance_detail",
    ),
    path(
        "acceptances/<int:pk>/withdraw/",
        acceptances.AcceptanceWithdrawView.as_view(),
        name="acceptance_withdraw",
    ),
    path("acceptances/expire/", acceptances.AcceptanceExpireView.as_view(), name="expire"),
    path(
        "acceptances/<int:pk>/history/",
        acceptances.AcceptanceHistoryView.as_view(),
        name="acceptance_history",
    ),
    # The risk matrix (the risk library's pages are the library app's, under the same prefix)
    path("matrix/", matrix.RiskMatrixView.as_view(), name="matrix"),
    # Import from CSV/XLSX
    path("import/<int:system_pk>/", imports.RiskImportView.as_view(), name="import"),
    path(
        "import/template.<str:fmt>",
        imports.ImportTemplateView.as_view(),
        name="import_template",
    ),
]
