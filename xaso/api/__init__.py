"""The REST API: one NinjaAPI assembling each app's router. Apps never import this package."""

from ninja import NinjaAPI

from xaso.api.errors import install as install_error_handlers
from xaso.programs.api import router as programs_router
from xaso.units.api import router as units_router

api = NinjaAPI(
    title="xaso API",
    version="1",
    description="API của xaso — nền tảng chuyển đổi số cấp xã. Tiếng Việt trước, English second.",
    urls_namespace="api",
)
api.add_router("/units", units_router)
api.add_router("/citizens", "xaso.citizens.api.router")
api.add_router("/assessments", "xaso.assessments.api.router")
api.add_router("/programs", programs_router)
api.add_router("/results", "xaso.results.api.router")
api.add_router("/connectors", "xaso.connectors.api.router")
install_error_handlers(api)
