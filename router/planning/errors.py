"""The one error planning raises: every module of router.planning may raise it."""


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""
