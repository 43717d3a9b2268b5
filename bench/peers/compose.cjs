// Composes a supergraph with @apollo/composition. stdin: [{name, url, sdl}]; stdout: supergraph SDL.
const { composeServices } = require("@apollo/composition");
const { parse } = require("graphql");

const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const result = composeServices(
  input.map(({ name, url, sdl }) => ({ name, url, typeDefs: parse(sdl) })),
);
if (result.errors) {
  for (const error of result.errors) console.error(error.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
