from rest_framework.routers import SimpleRouter

from apps.systems.api import views
from apps.systems.api.exports import SystemExporter

router = SimpleRouter()
router.register("systems", views.SystemViewSet, basename="system")
router.register("system-versions", views.SystemVersionViewSet, basename="system-version")

exporters = [SystemExporter]
urlpatterns = router.urls
