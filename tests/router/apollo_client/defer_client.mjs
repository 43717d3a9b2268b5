// Apollo Client against the router: one query with @defer, every result it emits as a JSON line
// ({ms, data, errors, hasNext}), so the Python test sees what a real client saw and when.
// node defer_client.mjs URL QUERY VARIABLES_JSON
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client/core/index.js";

const [url, query, variables] = process.argv.slice(2);
const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
const started = performance.now();
client.watchQuery({ query: gql(query), variables: JSON.parse(variables), fetchPolicy: "network-only" })
  .subscribe({
    next(result) {
      const ms = Math.round(performance.now() - started);
      console.log(JSON.stringify({ ms, data: result.data, errors: result.errors ?? null }));
    },
    error(error) {
      console.log(JSON.stringify({ error: String(error) }));
      process.exit(1);
    },
  });
// watchQuery never completes on its own: the Python side reads until it has what it waits for
