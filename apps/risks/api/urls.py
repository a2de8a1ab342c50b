from rest_framework.routers import SimpleRouter

from apps.risks.api import views
from apps.risks.api.exports import RiskExporter

router = SimpleRouter()
router.register("risks", views.RiskViewSet, basename="risk")
router.register("risk-templates", views.RiskTemplateViewSet, basename="risk-template")
router.register("acceptances", views.AcceptanceViewSet, basename="acceptance")

exporters = [RiskExporter]
urlpatterns = router.urls
