"""The web pages of privacy."""

urlpatterns = []
