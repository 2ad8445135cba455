"""Every privacy route in one router (the retention job is in the runtime's job table)."""

from __future__ import annotations

from fastapi import APIRouter

from officegate.server.privacy import staff_routes, visitor_routes

router = APIRouter()
router.include_router(visitor_routes.router)
router.include_router(staff_routes.router)
