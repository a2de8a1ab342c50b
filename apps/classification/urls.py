app_name = "classification"

urlpatterns = []
