from django.apps import AppConfig


class PeerarmyConfig(AppConfig):
    """The package's top: the commands that know every app (`worker`, `demo`). No models."""

    name = "peerarmy"
    label = "peerarmy"
    verbose_name = "peerarmy"
