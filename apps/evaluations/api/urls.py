from rest_framework.routers import SimpleRouter

from apps.evaluations.api import views
from apps.evaluations.api.exports import EvaluationRunExporter, TestCaseExporter

router = SimpleRouter()
router.register("test-cases", views.TestCaseViewSet, basename="test-case")
router.register("evaluation-runs", views.EvaluationRunViewSet, basename="evaluation-run")

exporters = [TestCaseExporter, EvaluationRunExporter]
urlpatterns = router.urls
