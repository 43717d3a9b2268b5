"""The catalog's migrations run on the connection `graft migrate` (or the service's start) gives."""

from subgraphs.catalog.models import Base
from subgraphs.common.events import EventsBase
from subgraphs.common.migrations import run_env

run_env((Base.metadata, EventsBase.metadata))
