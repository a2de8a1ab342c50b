from rest_framework.routers import SimpleRouter

from apps.concerns.api import views
from apps.concerns.api.exports import ConcernExporter

router = SimpleRouter()
router.register("concerns", views.ConcernViewSet, basename="concern")

exporters = [ConcernExporter]
urlpatterns = router.urls
