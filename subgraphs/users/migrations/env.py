"""The users service's migrations run on the connection `graft migrate` (or the service's start) gives."""

from subgraphs.common.migrations import run_env
from subgraphs.users.models import Base

run_env((Base.metadata,))
