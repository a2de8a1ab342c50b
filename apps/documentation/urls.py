app_name = "documentation"

urlpatterns = []
