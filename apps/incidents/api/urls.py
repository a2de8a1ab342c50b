from rest_framework.routers import SimpleRouter

from apps.incidents.api import views
from apps.incidents.api.exports import IncidentExporter

router = SimpleRouter()
router.register("incidents", views.IncidentViewSet, basename="incident")

exporters = [IncidentExporter]
urlpatterns = router.urls
