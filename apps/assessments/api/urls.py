from rest_framework.routers import SimpleRouter

from apps.assessments.api import views
from apps.assessments.api.exports import AssessmentExporter

router = SimpleRouter()
router.register(
    "fundamental-rights-assessments",
    views.AssessmentViewSet,
    basename="fundamental-rights-assessment",
)

exporters = [AssessmentExporter]
urlpatterns = router.urls
