"""The web pages of spread."""

urlpatterns = []
