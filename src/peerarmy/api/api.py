from ninja import NinjaAPI

api = NinjaAPI(title="peerarmy API", version="1", urls_namespace="api")
