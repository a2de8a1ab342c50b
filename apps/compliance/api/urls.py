from rest_framework.routers import SimpleRouter

from apps.compliance.api import views
from apps.compliance.api.exports import ObligationExporter

router = SimpleRouter()
router.register("requirements", views.RequirementViewSet, basename="requirement")
router.register("obligations", views.ObligationViewSet, basename="obligation")
router.register("soa-versions", views.SoAVersionViewSet, basename="soa-version")
router.register("soa-entries", views.SoAEntryViewSet, basename="soa-entry")

exporters = [ObligationExporter]
urlpatterns = router.urls
