from rest_framework.routers import SimpleRouter

from apps.compliance.api import views
from apps.compliance.api.exports import ObligationExporter

router = SimpleRouter()
router.register("requirements", views.RequirementViewSet, basename="requirement")
router.register("obligations", views.ObligationViewSet, basename="obligation")

exporters = [ObligationExporter]
urlpatterns = router.urls
