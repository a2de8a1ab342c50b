from django.urls import path

from apps.compliance.views import catalogues, crosswalk, exceptions, obligations, system

app_name = "compliance"

urlpatterns = [
    # The organisation's obligations
    path("", obligations.ObligationListView.as_view(), name="list"),
    path("export.csv", obligations.ObligationExportView.as_view(), name="export"),
    # One obligation
    path("obligations/<int:pk>/", obligations.ObligationView.as_view(), name="obligation_detail"),
    path(
        "obligations/<int:pk>/edit/",
        obligations.ObligationEditView.as_view(),
        name="obligation_edit",
    ),
    path(
        "obligations/<int:pk>/history/",
        obligations.ObligationHistoryView.as_view(),
        name="obligation_history",
    ),
    path(
        "obligations/<int:pk>/evidence/",
        obligations.AddEvidenceView.as_view(),
        name="add_evidence",
    ),
    path(
        "obligations/<int:pk>/evidence/<int:evidence_pk>/remove/",
        obligations.RemoveEvidenceView.as_view(),
        name="remove_evidence",
    ),
    path(
        "obligations/<int:pk>/evidence/<int:evidence_pk>/download/",
        obligations.EvidenceDownloadView.as_view(),
        name="evidence_download",
    ),
    path(
        "obligations/<int:pk>/link-mitigation/",
        obligations.LinkMitigationView.as_view(),
        name="link_mitigation",
    ),
    path(
        "obligations/<int:pk>/unlink-mitigation/<int:mitigation_pk>/",
        obligations.UnlinkMitigationView.as_view(),
        name="unlink_mitigation",
    ),
    path("obligations/<int:pk>/link-risk/", obligations.LinkRiskView.as_view(), name="link_risk"),
    path(
        "obligations/<int:pk>/unlink-risk/<int:risk_pk>/",
        obligations.UnlinkRiskView.as_view(),
        name="unlink_risk",
    ),
    path(
        "obligations/<int:pk>/exception/",
        exceptions.ExceptionRequestView.as_view(),
        name="request_exception",
    ),
    # A system's obligations
    path("for-system/<int:system_pk>/", system.SystemComplianceView.as_view(), name="system"),
    path(
        "for-system/<int:system_pk>/status/",
        system.BulkStatusView.as_view(),
        name="bulk_status",
    ),
    # Exceptions for blocking obligations
    path("exceptions/", exceptions.ExceptionListView.as_view(), name="exception_list"),
    path("exceptions/<int:pk>/", exceptions.ExceptionView.as_view(), name="exception_detail"),
    path(
        "exceptions/<int:pk>/withdraw/",
        exceptions.ExceptionWithdrawView.as_view(),
        name="exception_withdraw",
    ),
    path(
        "exceptions/<int:pk>/history/",
        exceptions.ExceptionHistoryView.as_view(),
        name="exception_history",
    ),
    # The cross-walk, from a mitigation's page
    path(
        "for-mitigation/<int:pk>/link/",
        crosswalk.MitigationLinkView.as_view(),
        name="mitigation_link",
    ),
    path(
        "for-mitigation/<int:pk>/unlink/<int:obligation_pk>/",
        crosswalk.MitigationUnlinkView.as_view(),
        name="mitigation_unlink",
    ),
    # The catalogues, read-only
    path("catalogues/", catalogues.CatalogueListView.as_view(), name="catalogue_list"),
    path("catalogues/<int:pk>/", catalogues.CatalogueView.as_view(), name="catalogue_detail"),
    path(
        "catalogues/<int:pk>/history/",
        catalogues.CatalogueHistoryView.as_view(),
        name="catalogue_history",
    ),
    path(
        "requirements/<int:pk>/",
        catalogues.RequirementView.as_view(),
        name="requirement_detail",
    ),
    path(
        "requirements/<int:pk>/history/",
        catalogues.RequirementHistoryView.as_view(),
        name="requirement_history",
    ),
]
