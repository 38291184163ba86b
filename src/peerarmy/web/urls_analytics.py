"""The web pages of analytics."""

urlpatterns = []
