"""Subscriptions for clients: graphql-transport-ws over WebSocket, graphql-sse (distinct
connections) and Apollo's multipart HTTP protocol, all on /graphql, over one SubscriptionHub."""
