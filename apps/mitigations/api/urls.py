from rest_framework.routers import SimpleRouter

from apps.mitigations.api import views
from apps.mitigations.api.exports import MitigationExporter

router = SimpleRouter()
router.register("mitigations", views.MitigationViewSet, basename="mitigation")

exporters = [MitigationExporter]
urlpatterns = router.urls
