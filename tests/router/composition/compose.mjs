// Differential harness: compose subgraphs ([{name, url, sdl}] on stdin) with @apollo/composition.
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const services = JSON.parse(input).map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) }));
const result = composeServices(services);
const out = result.errors
  ? { errors: result.errors.map((e) => ({ code: e.extensions?.code ?? null, message: e.message })) }
  : { supergraph: result.supergraphSdl };
process.stdout.write(JSON.stringify(out));
