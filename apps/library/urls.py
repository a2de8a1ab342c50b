"""The risk library's pages, under the risks' prefix (``/risks/library/…``): see config/urls.py."""

from django.urls import path

from apps.library import views

app_name = "library"

urlpatterns = [
    path("library/", views.LibraryView.as_view(), name="list"),
    path("library/<slug:key>/", views.RiskTemplateView.as_view(), name="template_detail"),
    path("library/<slug:key>/add/", views.AddFromTemplateView.as_view(), name="add"),
    path("suggestions/<int:system_pk>/", views.SuggestionsView.as_view(), name="suggestions"),
]
