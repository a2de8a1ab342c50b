from rest_framework.routers import SimpleRouter

from apps.documentation.api import views

router = SimpleRouter()
router.register(
    "technical-documents", views.TechnicalDocumentViewSet, basename="technical-document"
)
router.register(
    "technical-document-versions",
    views.TechnicalDocumentVersionViewSet,
    basename="technical-document-version",
)

exporters = []
urlpatterns = router.urls
