from django.urls import path

from apps.systems import views

app_name = "systems"

urlpatterns = [
    path("", views.SystemListView.as_view(), name="list"),
    path("export.csv", views.SystemExportView.as_view(), name="export"),
    path("new/", views.SystemCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SystemView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SystemEditView.as_view(), name="edit"),
    path("<int:pk>/archive/", views.SystemArchiveView.as_view(), name="archive"),
    path("<int:pk>/history/", views.SystemHistoryView.as_view(), name="history"),
    # Material changes: a new model, data, code or configuration version
    path("<int:pk>/versions/new/", views.RecordVersionView.as_view(), name="record_version"),
    path("versions/<int:pk>/", views.SystemVersionView.as_view(), name="version_detail"),
    path("versions/<int:pk>/waive/", views.WaiveVersionView.as_view(), name="waive_version"),
]
