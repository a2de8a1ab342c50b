from rest_framework.routers import SimpleRouter

from apps.classification.api import views
from apps.classification.api.exports import ClassificationExporter

router = SimpleRouter()
router.register("classifications", views.ClassificationViewSet, basename="classification")

exporters = [ClassificationExporter]
urlpatterns = router.urls
