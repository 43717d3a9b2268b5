"""Features that each hook one stage of the request pipeline: identity, rate limits, operation
limits, persisted documents, authorization, caches. None of them is a branch in the planner."""
