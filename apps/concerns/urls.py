from django.urls import path

from apps.concerns import views

app_name = "concerns"

urlpatterns = [
    path("", views.ConcernListView.as_view(), name="list"),
    path("export.csv", views.ConcernExportView.as_view(), name="export"),
    path("new/", views.ConcernCreateView.as_view(), name="create"),
    path("<int:pk>/", views.ConcernView.as_view(), name="detail"),
    path("<int:pk>/history/", views.ConcernHistoryView.as_view(), name="history"),
    path("<int:pk>/attachment/", views.ConcernAttachmentView.as_view(), name="attachment"),
    path("<int:pk>/risk/", views.ConcernToRiskView.as_view(), name="to_risk"),
    path("<int:pk>/incident/", views.ConcernToIncidentView.as_view(), name="to_incident"),
    path("<int:pk>/link/", views.LinkConcernView.as_view(), name="link"),
    path("<int:pk>/close/", views.CloseConcernView.as_view(), name="close"),
]
