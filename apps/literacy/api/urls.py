from rest_framework.routers import SimpleRouter

from apps.literacy.api import views

router = SimpleRouter()
router.register(
    "training-completions", views.TrainingCompletionViewSet, basename="training-completion"
)

exporters = []
urlpatterns = router.urls
