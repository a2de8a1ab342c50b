from django.urls import path

from apps.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.MetricListView.as_view(), name="list"),
    path("export.csv", views.MetricExportView.as_view(), name="export"),
    path("new/", views.MetricCreateView.as_view(), name="create"),
    path("tokens/new/", views.MonitoringTokenCreateView.as_view(), name="token_create"),
    path("breaches/<int:pk>/", views.BreachLinkView.as_view(), name="breach"),
    path("<int:pk>/", views.MetricView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.MetricEditView.as_view(), name="edit"),
    path("<int:pk>/archive/", views.MetricArchiveView.as_view(), name="archive"),
    path("<int:pk>/history/", views.MetricHistoryView.as_view(), name="history"),
    path("<int:pk>/readings/", views.ReadingsUploadView.as_view(), name="upload"),
]
