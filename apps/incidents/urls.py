from django.urls import path

from apps.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.IncidentListView.as_view(), name="list"),
    path("export.csv", views.IncidentExportView.as_view(), name="export"),
    path("metrics/", views.IncidentMetricsView.as_view(), name="metrics"),
    path("new/", views.IncidentCreateView.as_view(), name="create"),
    path("<int:pk>/", views.IncidentView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.IncidentEditView.as_view(), name="edit"),
    path("<int:pk>/history/", views.IncidentHistoryView.as_view(), name="history"),
    path("<int:pk>/phase/", views.RecordPhaseView.as_view(), name="record_phase"),
    path("<int:pk>/risks/link/", views.LinkRiskView.as_view(), name="link_risk"),
    path(
        "<int:pk>/risks/<int:risk_pk>/raise/",
        views.RaiseLikelihoodView.as_view(),
        name="raise_likelihood",
    ),
    path("<int:pk>/follow-up/", views.AddFollowUpView.as_view(), name="add_follow_up"),
]
