"""The web pages of alliances."""

urlpatterns = []
