"""Every privacy route in one router; its lifespan runs the retention job."""

from __future__ import annotations

from fastapi import APIRouter

from officegate.server.privacy import jobs, staff_routes, visitor_routes

router = APIRouter(lifespan=jobs.lifespan)
router.include_router(visitor_routes.router)
router.include_router(staff_routes.router)
