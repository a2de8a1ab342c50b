from rest_framework.routers import SimpleRouter

from apps.monitoring.api import views
from apps.monitoring.api.exports import MetricExporter

router = SimpleRouter()
router.register("metrics", views.MetricViewSet, basename="metric")
router.register("breaches", views.BreachViewSet, basename="breach")
router.register("readings", views.ReadingIntakeViewSet, basename="reading")

exporters = [MetricExporter]
urlpatterns = router.urls
