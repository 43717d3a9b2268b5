from bench.subgraphs.server import main

main()
