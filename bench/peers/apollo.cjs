// Apollo Gateway on @apollo/server, one process, serving the supergraph file in SUPERGRAPH on PORT.
const { readFileSync } = require("fs");
const { ApolloServer } = require("@apollo/server");
const { startStandaloneServer } = require("@apollo/server/standalone");
const { ApolloGateway } = require("@apollo/gateway");

async function main() {
  const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.env.SUPERGRAPH, "utf8") });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { host: "127.0.0.1", port: Number(process.env.PORT) },
  });
  console.log(`apollo gateway ready at ${url}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
