from rest_framework.routers import SimpleRouter

from apps.systems.api import views
from apps.systems.api.exports import SystemExporter

router = SimpleRouter()
router.register("systems", views.SystemViewSet, basename="system")

exporters = [SystemExporter]
urlpatterns = router.urls
